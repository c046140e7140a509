#pragma once
// Counters of a fault_proxy. Written from the proxy's thread, read from any thread.
#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace rt::chaos {

struct proxy_stats {
    std::atomic<std::uint64_t> accepted{0};           // TCP connections accepted, refused ones included
    std::atomic<std::uint64_t> active{0};             // connections being proxied now
    std::atomic<std::uint64_t> refused{0};            // accepted then reset by a `refuse` fault
    std::atomic<std::uint64_t> reset{0};              // reset by a `reset` fault
    std::atomic<std::uint64_t> upstream_failures{0};  // upstream connect failed
    std::atomic<std::uint64_t> bytes_up{0};           // delivered client → server
    std::atomic<std::uint64_t> bytes_down{0};         // delivered server → client
    std::atomic<std::uint64_t> dropped_up{0};         // discarded by a blackhole, client → server
    std::atomic<std::uint64_t> dropped_down{0};       // discarded by a blackhole, server → client
    std::atomic<std::uint64_t> queued_bytes{0};       // held back now (latency, bandwidth), all connections

    nlohmann::json to_json() const {
        auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
        return nlohmann::json{{"connections_accepted", get(accepted)},
                              {"connections_active", get(active)},
                              {"connections_refused", get(refused)},
                              {"connections_reset", get(reset)},
                              {"upstream_failures", get(upstream_failures)},
                              {"bytes_up", get(bytes_up)},
                              {"bytes_down", get(bytes_down)},
                              {"bytes_dropped_up", get(dropped_up)},
                              {"bytes_dropped_down", get(dropped_down)},
                              {"bytes_dropped", get(dropped_up) + get(dropped_down)},
                              {"bytes_queued", get(queued_bytes)}};
    }
};

}  // namespace rt::chaos
