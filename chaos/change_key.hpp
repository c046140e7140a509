#pragma once
// The identity of one published change, as the scenario publisher writes it and events carry it
// back: "<row id>@<text>", the text being the workload's vary attribute (the kanban demo's title),
// which each update sets afresh. The text may carry padding after a '|' (to make events bigger);
// the key stops before it. Pure.
#include <string>

#include <nlohmann/json.hpp>

namespace rt::chaos {

// "<id>@<row[key_attr] up to '|'>" from a row (event data, `published` reply); "?" stands for a
// missing field.
std::string change_key(const nlohmann::json& row, const std::string& key_attr = "title");

}  // namespace rt::chaos
