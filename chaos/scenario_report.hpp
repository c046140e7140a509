#pragma once
// What a scenario run found, and how it is shown: a text report for people (stdout) and JSON
// for scripts (--json FILE). Pure: built by the scenario runner, formatted here.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/activity_series.hpp"
#include "chaos/delivery_checker.hpp"
#include "chaos/scenario_publisher.hpp"
#include "protocol/histogram.hpp"

namespace rt::chaos {

struct step_record {
    std::int64_t planned_ms = 0;
    std::int64_t actual_ms = 0;  // from the start of publishing
    std::string text;
    std::string outcome;  // "ok" or what went wrong
};

struct scenario_report {
    std::string scenario;
    std::string description;
    std::uint32_t subscribers = 0;
    std::uint32_t streams = 0;
    nlohmann::json workload;  // the spec workload played (spec::to_json): what was chosen
    double elapsed_s = 0;
    std::vector<step_record> steps;

    publisher_counters publisher;
    std::uint64_t published_events = 0;  // events on the subscribers' streams, as the references saw them
    std::uint64_t acked_not_delivered = 0;  // acknowledged publishes no reference ever received

    // Session counters summed over the subscribers.
    std::uint64_t reconnects = 0;
    std::uint64_t resumed = 0;   // subscribed with recovered:true
    std::uint64_t resynced = 0;  // recovered:false after a known position: rebuilt from a snapshot
    std::uint64_t gaps = 0;
    std::uint64_t subscribers_reconnected = 0;
    std::uint64_t subscribers_resynced = 0;
    proto::latency_histogram reconnect_time;  // outage: disconnect noticed → subscription back
    // Over time, from the start of publishing to the end of the drain (activity_series).
    std::vector<activity_point> series;
    double series_bin_s = 0;

    delivery_report delivery;
    std::uint64_t not_drained = 0;  // subscribers short of their stream's top at the drain timeout
    std::vector<std::string> not_drained_examples;
    std::uint64_t states_compared = 0;
    std::uint64_t state_mismatches = 0;  // rebuilt rows != the server's current view
    std::vector<std::string> state_mismatch_examples;
    std::vector<std::string> expectation_failures;
    std::vector<std::string> errors;  // the run itself went wrong (a reference lost history, ...)
    nlohmann::json proxy_stats = nlohmann::json::object();

    std::uint64_t violations() const {
        return delivery.totals.violations() + not_drained + state_mismatches + acked_not_delivered;
    }
    bool ok() const { return violations() == 0 && expectation_failures.empty() && errors.empty(); }
};

// Several lines ending in "result: PASS" or "result: FAIL (...)".
std::string format_report(const scenario_report& r);

// Totals, every failing subscriber's detail (not the passing ones: 1,000 of those say nothing).
nlohmann::json to_json(const scenario_report& r);

}  // namespace rt::chaos
