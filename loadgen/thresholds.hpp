#pragma once
// CI gate: limits on the final figures. Each threshold has a name (the flag without dashes),
// a limit, and is checked against a report's figures; the first breached one is named.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace rt::loadgen {

enum class threshold_kind {
    max_p50,      // corrected delivery latency percentiles, µs
    max_p90,
    max_p99,
    max_p999,
    max_latency,  // the largest corrected latency seen, µs
    max_loss,     // lost deliveries: a count, or a percentage of expected deliveries
    max_dup,      // duplicated deliveries
    max_reorder,  // out-of-order deliveries
    max_errors,   // publish errors + connections closed during the run + subscribe failures
    max_late,     // publishes sent more than 1 ms behind schedule
    min_conns,    // subscriber connections opened and subscribed
};

struct threshold {
    threshold_kind kind = threshold_kind::max_p99;
    double limit = 0;        // µs for latencies, a count otherwise (or a percentage, see below)
    bool percent = false;    // max_loss given as "0.1%": limit is a percentage of expected
    std::string text;        // the limit as the user wrote it, for messages
};

// The figures thresholds look at, taken from a run's report.
struct threshold_inputs {
    std::int64_t p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
    std::uint64_t lost = 0, expected = 0, duplicated = 0, out_of_order = 0, errors = 0, late = 0;
    std::uint64_t conns = 0;
};

struct threshold_result {
    std::string name;    // "max-p99"
    std::string limit;   // as written: "100ms"
    std::string actual;  // formatted figure: "12.3ms"
    // The same two figures as numbers, in `unit`: "us" (latencies), "pct" (max-loss given as a
    // percentage) or "count". The JSON report names its keys after it: limit_us, actual_us, ...
    double limit_value = 0, actual_value = 0;
    const char* unit = "count";
    bool ok = true;
};

class threshold_set {
public:
    // Adds or replaces the threshold `name` (e.g. "max-p99", "max_p99") with limit text `value`:
    // latencies are durations ("100ms"), counts are integers, max-loss may be a percentage
    // ("0.5%"). Unknown names and bad values are errors naming them.
    result<void, std::string> set(std::string_view name, std::string_view value);
    bool has(threshold_kind k) const;
    const std::vector<threshold>& items() const { return items_; }

    // One result per threshold, in the order they were set.
    std::vector<threshold_result> evaluate(const threshold_inputs& in) const;

private:
    std::vector<threshold> items_;
};

// "max-p99" for threshold_kind::max_p99, and back ("max_p99" accepted too).
std::string_view threshold_name(threshold_kind k);
std::optional<threshold_kind> threshold_from_name(std::string_view name);
const std::vector<std::string>& threshold_names();

}  // namespace rt::loadgen
