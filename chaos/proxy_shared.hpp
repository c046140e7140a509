#pragma once
// State a fault_proxy shares with its connections: configuration, the faults in force, counters.
// Outlives every connection (the proxy destroys its io_context first).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include <asio.hpp>

#include "chaos/fault_set.hpp"
#include "chaos/proxy_stats.hpp"

namespace rt::chaos {

struct fault_proxy_config {
    asio::ip::tcp::endpoint listen{asio::ip::make_address("127.0.0.1"), 0};  // port 0: ephemeral
    asio::ip::tcp::endpoint upstream{asio::ip::make_address("127.0.0.1"), 0};
    // Per connection and direction: past this, the proxy stops reading until the queue drains.
    // 4 MiB holds several seconds of a busy WebSocket stream under added latency.
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
    // One read's worth; 16 KiB matches a typical socket read and a TLS record.
    std::size_t read_chunk_bytes = 16 * 1024;
};

struct proxy_shared {
    explicit proxy_shared(fault_proxy_config c) : config(std::move(c)) {}

    // Thread-safe: what connection `conn_no` must do with bytes flowing in `flow` right now.
    flow_policy policy(std::uint64_t conn_no, direction flow) const {
        std::lock_guard<std::mutex> lock(mutex);
        return faults.policy(conn_no, flow);
    }

    const fault_proxy_config config;
    mutable std::mutex mutex;  // guards `faults`
    fault_set faults;
    proxy_stats stats;
};

}  // namespace rt::chaos
