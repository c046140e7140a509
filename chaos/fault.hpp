#pragma once
// The fault model: what a fault does, to which direction, to which share of connections.
// Pure: no I/O. The proxy (fault_proxy) and the control API both speak in these terms.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::chaos {

enum class fault_kind {
    blackhole,  // sockets stay open, bytes in the faulted direction(s) are discarded
    reset,      // one-shot: RST every current matching connection (both sides)
    refuse,     // new matching connections are accepted and reset at once
    latency,    // each chunk is delivered latency ± jitter later, order preserved
    bandwidth,  // bytes per second per connection per direction
};

enum class direction {
    up,    // client → server
    down,  // server → client
    both,
};

std::string_view to_string(fault_kind k);
std::string_view to_string(direction d);
std::optional<fault_kind> fault_kind_from_string(std::string_view s);
std::optional<direction> direction_from_string(std::string_view s);

// True when a fault set for direction `fault_dir` acts on bytes flowing in `flow` (up or down).
bool covers(direction fault_dir, direction flow);

struct fault {
    fault_kind kind = fault_kind::blackhole;
    direction dir = direction::both;
    double fraction = 1.0;                      // share of connections affected, 0..1
    std::uint64_t seed = 0;                     // picks which connections fall in the fraction
    std::chrono::milliseconds latency_ms{0};    // latency only
    std::chrono::milliseconds jitter_ms{0};     // latency only: uniform in [-jitter, +jitter]
    std::uint64_t bytes_per_s = 0;              // bandwidth only
};

// Whether connection number `conn_no` (1, 2, ... in accept order) is in the fault's fraction.
// Deterministic: the same seed, fraction and number always give the same answer, and
// raising the fraction only adds connections.
bool selects(const fault& f, std::uint64_t conn_no);

// A parsed command: apply a fault, or heal (clear every fault).
struct fault_command {
    bool heal = false;
    fault f;  // meaningful when !heal
};

// Parses "blackhole", "latency 200ms jitter 50ms down", "bandwidth 10KiB/s up",
// "reset fraction 0.5", "refuse seed 7 fraction 0.25", "heal".
// Grammar: KIND [ARG] {up|down|both | fraction F | jitter D | seed N}.
// Errors name the bad token.
result<fault_command, std::string> parse_fault(std::string_view spec);

// Parses the JSON form {"fault":"latency 200ms jitter 20ms","direction":"down","fraction":0.5,"seed":1}:
// "fault" is a spec string; the optional fields override what it says. Errors name the field.
result<fault_command, std::string> parse_fault_json(const nlohmann::json& j);

// The canonical spec string, parseable by parse_fault.
std::string to_spec(const fault& f);

nlohmann::json to_json(const fault& f);

// Help text listing the fault syntax (for --help and the control API's 400 bodies).
std::string_view fault_syntax_help();

}  // namespace rt::chaos
