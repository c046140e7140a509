#pragma once
// A fault timeline: "5s blackhole; 15s heal" — each step is an offset from start and a fault command.
#include <chrono>
#include <cstddef>
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

// One step of a timeline text, split but not interpreted: "5s latency 200ms" →
// {number 1, at 5s, action "latency 200ms", text "5s latency 200ms"}.
struct timeline_step_text {
    std::size_t number = 0;  // 1-based, counting non-empty steps
    std::chrono::milliseconds at_ms{0};
    std::string_view action;  // views into the text given to split_timeline
    std::string_view text;
};

// Splits steps separated by ';' or newlines into "OFFSET ACTION" and parses the offset. Empty
// steps are ignored. Keeps the written order. Errors start with "schedule step N (\"...\"): ".
// Shared by parse_timeline and the scenario runner, whose timelines add server steps.
result<std::vector<timeline_step_text>, std::string> split_timeline(std::string_view text);

// The error prefix naming a step: "schedule step 2 (\"5s blackhole\"): ".
std::string step_where(const timeline_step_text& step);

// Parses steps "OFFSET FAULT-SPEC" (see split_timeline). Returns the steps sorted by offset
// (stable: steps at the same offset keep their written order), or an error naming the step
// number and the bad token.
result<std::vector<timeline_step>, std::string> parse_timeline(std::string_view text);

nlohmann::json to_json(const timeline_step& step);

}  // namespace rt::chaos
