#pragma once
// The faults currently in force, and what they mean for one connection and one direction. Pure.
#include <chrono>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/fault.hpp"

namespace rt::chaos {

// What a pipe (one connection, one direction) must do with its bytes right now.
struct flow_policy {
    bool blackhole = false;
    std::chrono::milliseconds latency_ms{0};
    std::chrono::milliseconds jitter_ms{0};
    std::uint64_t bytes_per_s = 0;  // 0 = unlimited
};

class fault_set {
public:
    // Adds a persistent fault, replacing an active one of the same kind and direction.
    // `reset` is one-shot and never stored: the proxy acts on it, then forgets it.
    void set(const fault& f);
    void clear() { faults_.clear(); }
    bool empty() const { return faults_.empty(); }
    const std::vector<fault>& faults() const { return faults_; }

    // Combines every fault that selects `conn_no` and covers `flow` (up or down):
    // blackhole if any, the largest latency (with its jitter), the smallest bandwidth.
    flow_policy policy(std::uint64_t conn_no, direction flow) const;

    // Whether a new connection with this number must be refused.
    bool refuses(std::uint64_t conn_no) const;

    nlohmann::json to_json() const;

private:
    std::vector<fault> faults_;  // in the order they were set
};

}  // namespace rt::chaos
