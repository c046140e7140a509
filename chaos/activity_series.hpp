#pragma once
// What the subscribers of a chaos run went through over time, in fixed bins: events received live
// and replayed after a resume, resyncs (snapshots), reconnects, and how many subscribers were
// cut off. Built after the run from the recorded histories and outages, for the JSON `series`
// and the HTML report's charts. Pure.
#include <chrono>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/delivery_history.hpp"

namespace rt::chaos {

// `t` in µs on the steady clock: the time base of outage_span and received_event::at_us.
inline std::int64_t steady_clock_us(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// One outage of one subscriber: from the moment it noticed the disconnect to the moment its
// subscription was back (steady clock, µs).
struct outage_span {
    std::int64_t from_us = 0, to_us = 0;
};

struct activity_point {
    double t_s = 0;  // the bin's start, seconds since publishing started
    std::uint64_t live = 0, replayed = 0, resyncs = 0;  // events and snapshots received in the bin
    std::uint64_t reconnects = 0;                        // outages that ended in the bin
    std::uint64_t cut_off = 0;                           // subscribers in an outage at the bin's end
};

// Bins [start_us, end_us) into `bin_us` slices (the last one may be shorter); entries outside
// the range are left out. `bin_us` must be > 0; end_us <= start_us gives no bins.
std::vector<activity_point> build_activity(const std::vector<subscriber_history>& histories,
                                           const std::vector<outage_span>& outages, std::int64_t start_us,
                                           std::int64_t end_us, std::int64_t bin_us);

nlohmann::json to_json(const activity_point& p);

}  // namespace rt::chaos
