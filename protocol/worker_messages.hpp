#pragma once
// The messages between `rt loadgen --workers N` and its worker processes (loadgen/worker_fleet.*
// is the parent, loadgen/worker_link.* a worker), one JSON object per line over the worker's
// stdin/stdout:
//
//   worker -> parent   {"type":"<phase>","payload":{...}}   arrived at a phase (loadgen/run_barrier.hpp)
//                      {"type":"result","report":{...}}      its share (loadgen/worker_report.hpp), last
//                      {"type":"error","message":"..."}      the run could not take place
//   parent -> worker   {"type":"go","phase":"<phase>","payload":{...}}
//                      {"type":"interrupt"}                  Ctrl-C: stop early, report what was measured
//                      {"type":"abort","message":"..."}      another worker failed: stop, report nothing
//
// Pure: encode to one line, decode one line (without its '\n') strictly, exception-free.
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::proto {

// ---- worker -> parent ----
struct worker_arrived {
    std::string phase;  // not "result" or "error": those name the other messages
    nlohmann::json payload = nlohmann::json::object();
};
struct worker_result {
    nlohmann::json report = nlohmann::json::object();
};
struct worker_error {
    std::string message;
};
using worker_message = std::variant<worker_arrived, worker_result, worker_error>;

// ---- parent -> worker ----
struct parent_go {
    std::string phase;
    nlohmann::json payload = nlohmann::json::object();
};
struct parent_interrupt {};
struct parent_abort {
    std::string message;
};
using parent_message = std::variant<parent_go, parent_interrupt, parent_abort>;

// Why a line is not a message. `stray`: not a JSON object with a string "type" at all (a line
// someone printed by mistake); otherwise it claims to be a message but a field is wrong.
struct worker_line_error {
    bool stray = false;
    std::string message;
};

// One line, '\n' included. Text that is not valid UTF-8 is written with U+FFFD in its place.
std::string encode_worker_message(const worker_message& m);
std::string encode_parent_message(const parent_message& m);

// `line` without its '\n'. Payloads and reports must be objects, phases non-empty strings,
// messages strings; the error names the field that was wrong.
result<worker_message, worker_line_error> decode_worker_message(std::string_view line);
result<parent_message, worker_line_error> decode_parent_message(std::string_view line);

}  // namespace rt::proto
