#pragma once
// A worker's share of a `rt loadgen --workers N` run, on its way to the parent, and the merge of
// every share into one report. Pure: JSON in, JSON out.
//
// What crosses the pipe is what adds up exactly: counters, every histogram's raw bucket counts
// (latency_histogram::to_buckets_json), the delivery tally and the acknowledgements it is
// measured against. Percentiles are computed once, from the merged histograms, so the merged
// report's p99 is the p99 of every delivery of every worker, not an average of p99s.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/config.hpp"
#include "loadgen/report.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// One worker's report (run_loadgen's, in the worker) as JSON for the parent.
nlohmann::json to_worker_json(const loadgen_report& r);
// The report to_worker_json wrote; the error names the first field that is missing or wrong.
result<loadgen_report, std::string> from_worker_json(const nlohmann::json& j);

// One worker's report, with who it was.
struct worker_part {
    std::uint32_t index = 0;
    int pid = 0;
    loadgen_report report;
};

// The run's one report from every worker's: counts summed, histograms and tallies merged,
// deliveries settled against the acknowledgements every worker was measured against, the
// settings from `config` (the parent's), thresholds evaluated. Series points are summed second
// by second (their latency percentiles: the highest worker's, as a point holds no histogram).
loadgen_report merge_worker_reports(const loadgen_config& config, const std::vector<worker_part>& parts);

}  // namespace rt::loadgen
