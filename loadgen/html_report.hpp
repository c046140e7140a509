#pragma once
// `rt loadgen --report FILE`: the run as one self-contained HTML page (report/html_page): latency
// per second (p50, p99, max), the percentile spectrum to p99.99, connections, deliveries and
// publishes per second, each latency or connection threshold drawn on its chart. Pure formatting.
#include <string>

#include "loadgen/report.hpp"
#include "loadgen/thresholds.hpp"
#include "report/html_page.hpp"

namespace rt::loadgen {

// The page for `r`; `thresholds` gives the limits to draw (their verdicts are in r.thresholds).
std::string to_html(const loadgen_report& r, const threshold_set& thresholds, const report::run_origin& origin);

}  // namespace rt::loadgen
