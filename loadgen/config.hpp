#pragma once
// `rt loadgen` settings: one struct, filled from a TOML scenario file and then from flags (flags
// win), through one setter so both sources accept the same names and reject the same mistakes.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/ws_connection.hpp"
#include "loadgen/thresholds.hpp"
#include "protocol/result.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::loadgen {

// The kanban demo's workloads, used when no --spec is given (with --spec, the workload comes
// from the spec: loadgen_config::request and ::plan).
enum class workload {
    boards,     // connection i subscribes TaskUpdates filtered to board b<i % boards>
    broadcast,  // every connection subscribes AllTasks: each event goes to all
};

// Which node a stream's publishes go to, when the run has several (--url A --url B ...).
enum class publish_target {
    any,   // spread over every node: the nodes must share their streams (rt serve --broker)
    same,  // the node that stream's subscribers are on: independent nodes (each serves its own)
};

// A process of a `rt loadgen --workers N` run, set in it by the parent (hidden flags): which of
// the run's connections it opens, which source addresses it binds, whether it publishes.
struct worker_role {
    std::uint32_t index = 0, count = 1;
    std::string run_tag;            // the run's, shared by every worker: the same row ids in all
    std::uint32_t source_draw = 0;  // this worker's 127.A.B.x prefix (source_addresses): its own
    // One worker publishes (and creates and removes the rows), so one clock and one sequence of
    // acknowledgements decide what every subscriber should get.
    bool publishes() const { return index == 0; }
};

// How the subscribers connect (--transport); publishers always use WebSocket.
enum class transport : std::uint8_t {
    websocket,  // one WebSocket per subscriber to --url, subscribing with a `subscribe` frame
    sse,        // one Server-Sent Events stream per subscriber: GET /sse on --url's host and port
};
std::string_view to_string(transport t);  // "websocket" | "sse"
std::optional<transport> transport_from_name(std::string_view name);

struct loadgen_config {
    // The nodes, in order: subscribers and publishers are spread over them (see node_of_*).
    std::vector<std::string> urls{"ws://127.0.0.1:8080/live"};
    publish_target publish_to = publish_target::any;
    std::uint32_t workers = 1;                  // --workers N: processes sharing the connections
    std::optional<worker_role> worker;          // set in a worker process only
    std::string token;
    client::tls_trust tls;                      // wss://: --ca, --insecure-skip-verify
    std::uint32_t conns = 1000;                 // subscriber connections
    loadgen::transport transport = loadgen::transport::websocket;  // what the subscribers connect with
    double rate_per_s = 100;                    // publishes per second, all publishers together
    std::chrono::microseconds duration_us{10'000'000};  // measured window (after warm-up)
    std::chrono::microseconds warmup_us{0};     // published and checked, but kept out of the figures
    double ramp_per_s = 2000;                   // new connections per second; the server's accept
                                                // queue (SOMAXCONN 4096) absorbs a second of it
    workload mode = workload::boards;
    std::uint32_t boards = 0;                   // 0: auto, conns / 10 (10 watchers per board)
    std::uint64_t payload_bytes = 0;            // title length; 0: just the timestamps
    std::uint32_t publishers = 0;               // 0: auto, enough to stay under 50 publishes/s each
    std::uint32_t threads = 2;                  // subscriber io_loop threads: one per core here
    std::uint32_t source_ips = 0;               // 0: auto, one 127.A.B.x per 20,000 connections (A.B
                                                // drawn per run: see source_addresses.hpp)
    std::chrono::microseconds drain_us{5'000'000};  // wait for stragglers after the last publish
    std::uint32_t max_connecting = 1000;        // connects in flight at once; bounds SYN bursts
    std::uint64_t seed = 1;                     // board choice is random but repeatable
    double churn_share_per_s = 0;               // --churn 5%/min: share of the connections closed and
                                                // reopened (resuming with since) per second; 0: none
    // --throttle 100ms: subscribers ask for coalesced delivery (docs/protocol.md "Throttled
    // delivery"); the completeness check then counts the throttle group's seqs, not publishes
    // (docs/workloads.md). --batch: each window as one `events` frame. nullopt: every change.
    std::optional<std::int64_t> throttle_ms;
    bool batch = false;
    bool coalesced() const { return throttle_ms.has_value(); }
    std::string spec;                           // --spec FILE, or "server": GET /api/_spec from --url's
                                                // host; empty: the kanban demo (mode, boards)
    spec::workload_request request;             // --subscription, --filter-attr, ... (with --spec)
    bool demo_keys = false;                     // --boards or --fanout given: the demo's own keys
    // Filled by resolve_workload (loadgen/workload_source.hpp) when spec is set; boards is then
    // the plan's number of streams.
    std::shared_ptr<const spec::app> app;
    std::optional<spec::workload> plan;
    std::string json_path;                      // --json FILE ("-": stdout)
    std::string report_path;                    // --report FILE: the HTML report
    std::string hgrm_path;                      // --hgrm FILE: the latency percentiles, HdrHistogram's text
    bool quiet = false;                         // no progress lines
    threshold_set thresholds;
};

// The first node's URL: where the spec is fetched from (--spec server), the report's `url`.
inline const std::string& first_url(const loadgen_config& c) { return c.urls.front(); }

// The node connection `conn` (0 <= conn < conns, over every worker) of stream `board` connects
// to: with publish_target::same the stream's node, so that a stream lives on one node; with any,
// in turn over the nodes, so that every stream's subscribers are spread over every node.
std::uint32_t node_of_connection(const loadgen_config& c, std::uint32_t conn, std::uint32_t board);
// The node stream `board`'s rows are created and removed on, and, with publish_target::same,
// its publishes sent to: board mod nodes.
std::uint32_t node_of_stream(const loadgen_config& c, std::uint32_t board);
// The connections this process opens: [first, first + count) of the run's conns (all of them
// outside a worker; else the worker's even share).
struct conn_range {
    std::uint32_t first = 0, count = 0;
};
conn_range own_connections(const loadgen_config& c);

// Sets one setting from its text form. `name` is a flag name without the dashes ("conns",
// "max-p99"); '_' and '-' are interchangeable. Errors name the setting and what was expected;
// an unknown name is an error. Threshold names (max-p99, ...) go to config.thresholds.
// The transport options every connection of the run starts from: the token and the TLS settings.
client::ws_options ws_options_of(const loadgen_config& config);

result<void, std::string> apply_setting(loadgen_config& config, std::string_view name, std::string_view value);
// Replaces the nodes with `urls` (at least one; each checked like the url setting).
result<void, std::string> set_urls(loadgen_config& config, const std::vector<std::string>& urls);

// The names apply_setting accepts, for help texts and the scenario file's error messages.
const std::vector<std::string>& setting_names();

// Fills the automatic values (boards, publishers, source_ips) and checks the whole: returns the
// first problem found. Call once, after every setting is applied.
result<void, std::string> finalize(loadgen_config& config);

// With publish_target::same and several nodes, every node needs a stream of its own: an error
// naming the numbers otherwise. finalize() checks it for the demo, resolve_workload for a spec.
result<void, std::string> check_streams_cover_nodes(const loadgen_config& config);

// Publishes per second a single publisher connection may send: the server's default limit is
// 100 messages/s per connection (burst 200), and half of it leaves room for jitter.
constexpr double max_rate_per_publisher = 50;
// Connections per source address before another 127.A.B.x is used: ephemeral ports are
// 32768-60999 (~28k) per address, and 20k leaves room for the server's own and TIME_WAIT.
constexpr std::uint32_t conns_per_source_ip = 20'000;

// Worker processes at most: each is a full process with its threads; 2 cores here.
constexpr std::uint32_t max_workers = 64;

// How many publisher connections `rate` needs at max_rate_per_publisher (at least 1).
std::uint32_t auto_publishers(double rate_per_s);

}  // namespace rt::loadgen
