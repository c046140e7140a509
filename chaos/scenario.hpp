#pragma once
// A chaos scenario (scenarios/NAME.toml): which server to start (or which external target to use),
// how many subscribers and how they filter, how fast to publish, the fault timeline, and what the
// run must show. Parsing only; the scenario_runner plays it. Every key, its type, default and
// meaning: docs/chaos-scenarios.md (tests/chaos/scenario_keys_doc_test.cpp keeps it complete).
//
//   description = "3 s blackhole inside the replay window: every subscriber resumes"
//   spec = "kanban.spec"                 # relative to the scenario file
//   server_args = ["--ping-interval", "1s", "--pong-timeout", "500ms"]
//   durable = false                      # true: the server gets --db (a temp file), kept across restarts
//   target = "ws://10.0.0.5:8080/live"   # an external server instead (spec, server_args, durable unused)
//   token = "s3cret"                     # sent by every client of the run (?token=...)
//   ca = "ca.pem"                        # wss:// and https://: trust this CA (relative to the scenario file)
//   insecure_skip_verify = false         # wss:// and https://: verify nothing (test servers only)
//   publish_url = "http://10.0.0.5:8080/api"  # publish over REST there (https://, ws://, wss://); default: the server's URL
//   kill_cmd = "systemctl kill app"      # with target: what kill_server runs (/bin/sh -c)
//   restart_cmd = "systemctl start app"  # with target: what restart_server runs
//   command_timeout = "30s"              # bound on each of those commands
//   subscribers = 100
//   boards = 10                          # rows live in 10 groups (streams when filtered)
//   filter = "board"                     # "board": subscriber i watches board i % boards; "none": all
//   tasks_per_board = 2                  # rows per group
//   subscription = "TeamQueue"           # the spec workload (protocol/spec_workload.hpp): which
//   filter_attr = "team"                 #   subscription, filtered by what ("none", "id"), over how
//   filter_values = 10                   #   many values, which entity, which string attribute each
//   entity = "Ticket"                    #   update changes; what is not given is chosen from the
//   vary = "subject"                     #   spec (chaos/scenario_workload.hpp)
//   rate = "20/s"                        # publishes per second, direct to the server
//   payload = "4KiB"                     # pads each update's title to this size (0: no padding)
//   duration = "8s"                      # publishing time; the timeline's offsets count from its start
//   timeline = "2s blackhole; 5s heal"   # fault specs as for `rt partition proxy`, plus
//                                        # kill_server (SIGKILL) and restart_server (same port, same --db)
//   drain_timeout = "10s"                # after publishing: how long subscribers may take to catch up
//   [client]   backoff_base = "100ms", backoff_cap = "2s", threads = 2
//   [proxy]    max_queued = "4MiB"
//   [expect]   max_resyncs = 0, min_resyncs = 1, min_reconnects = 100, min_resumed = 100
//
// Errors name file:line, the key and what was expected; unknown keys are errors.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/fault.hpp"
#include "client/tls_trust.hpp"
#include "protocol/result.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::chaos {

enum class step_action {
    fault,           // apply `command` to the proxy (heal included)
    kill_server,     // SIGKILL the server the runner started, or run kill_cmd (external target)
    restart_server,  // start it again on the same port, with the same arguments and --db, or run restart_cmd
};

struct scenario_step {
    std::chrono::milliseconds at_ms{0};  // from the start of publishing
    step_action action = step_action::fault;
    fault_command command;  // action fault only
    std::string text;       // as written, for the report
};

struct scenario_expect {
    std::optional<std::uint64_t> max_resyncs;     // e.g. 0: every subscriber must resume recovered:true
    std::optional<std::uint64_t> min_resyncs;     // e.g. 1: the fault must outlast the replay window
    std::optional<std::uint64_t> min_reconnects;  // total over all subscribers: the fault must bite
    std::optional<std::uint64_t> min_resumed;     // total resumes with recovered:true
};

struct scenario {
    std::string name;         // the file's stem
    std::string source;       // the path it was read from
    std::string description;
    std::string spec_path;    // resolved against the scenario file's folder
    std::vector<std::string> server_args;
    bool durable = false;
    std::string target;        // ws://HOST:PORT/path of an external server; empty: start rt serve
    std::string token;         // sent by every client of the run; empty: none
    client::tls_trust tls;     // wss:// and https://: every client's trust (ca resolved against the scenario's folder)
    std::string publish_url;   // ws[s]://... (the protocol) or http[s]://HOST:PORT/PATH (REST base); empty: the server's URL
    std::string kill_cmd;      // external target: the shell command kill_server runs
    std::string restart_cmd;   // external target: the shell command restart_server runs
    std::chrono::milliseconds command_timeout_ms{30000};  // a restart script that hangs must not hang the run
    std::uint32_t subscribers = 100;
    std::uint32_t boards = 10;
    bool filter_by_board = true;
    bool filter_given = false;         // `filter` was written (else the workload's filter is chosen)
    spec::workload_request request;    // subscription, filter_attr, filter_values, entity, vary (no mix:
                                       // the checker follows updates)
    std::uint32_t tasks_per_board = 2;
    double rate_per_s = 20;
    std::uint64_t payload_bytes = 0;  // title padding: makes a link's bandwidth matter
    std::chrono::milliseconds duration_ms{8000};
    std::vector<scenario_step> timeline;  // sorted by offset
    std::chrono::milliseconds drain_timeout_ms{10000};
    std::chrono::milliseconds connect_timeout_ms{15000};  // all subscribers subscribed before publishing
    std::chrono::milliseconds backoff_base_ms{100};       // first retry within 0.1 s: a blip costs little
    std::chrono::milliseconds backoff_cap_ms{2000};       // short runs: no client may sleep past the drain window
    unsigned client_threads = 2;
    std::uint64_t proxy_max_queued_bytes = 4 * 1024 * 1024;  // the proxy's default
    scenario_expect expect;
};

// Limits that keep a run bounded (a scenario asking for more is an error).
constexpr std::uint32_t max_scenario_subscribers = 10000;
constexpr double max_scenario_rate_per_s = 1000;                     // publishes wait for replies
constexpr std::uint64_t max_scenario_payload_bytes = 32 * 1024;      // under the server's 64 KiB frame limit
constexpr std::chrono::milliseconds max_scenario_duration_ms{600000};  // 10 min

// Parses scenario TOML. `source_name` is used in errors and `base_dir` resolves `spec`.
result<scenario, std::string> parse_scenario_text(std::string_view toml_text, const std::string& source_name,
                                                  const std::string& base_dir = ".");

// Reads and parses `path`; the name is the file's stem, `spec` is relative to its folder.
result<scenario, std::string> load_scenario(const std::string& path);

// Parses a scenario timeline ("2s blackhole; 5s heal; 6s kill_server; 7s restart_server"): sorted by
// offset, restart_server only after a kill_server. Errors name the step.
result<std::vector<scenario_step>, std::string> parse_scenario_timeline(std::string_view text);

// Whether `publish_url` is a REST base (http:// or https://) rather than a WebSocket URL.
bool is_rest_url(std::string_view url);

// Whether any step kills or restarts the server (then the runner must start the server itself).
bool touches_server(const std::vector<scenario_step>& steps);

// With an external target, every kill_server step needs kill_cmd and restart_cmd (the run restarts a
// target the timeline left down) and every restart_server step restart_cmd. Without a target the
// commands are unused (kept for a --target given later). The error names the step and the missing key.
// parse_scenario_text checks this; call it again after overriding `target`.
result<void, std::string> check_target_steps(const scenario& s);

// Every key parse_scenario_text reads, sub-table keys as "client.threads" (the tables themselves
// not listed), in the order it reads them. docs/chaos-scenarios.md lists them all.
std::vector<std::string> scenario_keys();

nlohmann::json to_json(const scenario& s);

}  // namespace rt::chaos
