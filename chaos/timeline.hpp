#pragma once
// A fault timeline: "5s blackhole; 15s heal" — each step is an offset from start and a fault command.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/fault.hpp"
#include "protocol/result.hpp"

namespace rt::chaos {

struct timeline_step {
    std::chrono::milliseconds at_ms{0};  // offset from the start of the run
    fault_command command;
};

// Parses steps separated by ';' or newlines: "OFFSET FAULT-SPEC". Empty steps are ignored.
// Returns the steps sorted by offset (stable: steps at the same offset keep their written order),
// or an error naming the step number and the bad token.
result<std::vector<timeline_step>, std::string> parse_timeline(std::string_view text);

nlohmann::json to_json(const timeline_step& step);

}  // namespace rt::chaos
