#pragma once
// The identity of one published change, as the scenario publisher writes it and events carry it
// back: "<task id>@<title>" (each update gives its task a fresh title). Titles may carry padding
// after a '|' (to make events bigger); the key stops before it. Pure.
#include <string>

#include <nlohmann/json.hpp>

namespace rt::chaos {

// "<id>@<title up to '|'>" from a row (event data, `published` reply); "?" stands for a missing field.
std::string change_key(const nlohmann::json& row);

}  // namespace rt::chaos
