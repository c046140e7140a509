#pragma once
// HdrHistogram's percentile text format (".hgrm", what outputPercentileDistribution prints), so
// existing plotters (HdrHistogram's plotFiles.html, hdr-plot) read rt's latencies:
//
//        Value     Percentile TotalCount 1/(1-Percentile)
//
//        0.123 0.000000000000          1           1.00
//        ...
//       12.345 1.000000000000       1000
//   #[Mean    =        1.234, StdDeviation   =        0.567]
//   #[Max     =       12.345, Total count    =         1000]
//   #[Buckets =           16, SubBuckets     =         2048]
#include <string>

#include "protocol/histogram.hpp"

namespace rt::report {

// `h` in the hgrm format, values in milliseconds with 3 decimals (HdrHistogram's output with a
// value-unit scaling ratio of 1000 on microseconds, as wrk2 prints). An empty histogram gives the
// header and the footer only.
std::string to_hgrm(const proto::latency_histogram& h);

}  // namespace rt::report
