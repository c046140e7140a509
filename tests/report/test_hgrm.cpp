// The hgrm text against HdrHistogram's own format (outputPercentileDistribution: "%12.3f
// %2.12f %10d %14.2f", the last line without its 1/(1-Percentile) column, three footer lines),
// and the percentile walk behind it.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "report/hgrm.hpp"
#include "report/percentile_distribution.hpp"

using rt::proto::latency_histogram;
using namespace rt::report;

namespace {

latency_histogram hgrm_uniform_1_to_1000us() {
    latency_histogram h;
    for (int v = 1; v <= 1000; ++v) h.record(v);
    return h;
}

std::vector<std::string> hgrm_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE("percentile distribution: levels halve their distance to 100% every 5 ticks", "[report][hgrm]") {
    const auto lines = percentile_distribution(hgrm_uniform_1_to_1000us());
    REQUIRE(lines.size() > 20);
    // 0%, then 10% steps to 50%, 5% steps to 75%, 2.5% steps to 87.5%...
    const std::vector<double> first = {0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80};
    for (std::size_t i = 0; i < first.size(); ++i) {
        INFO("line " << i);
        CHECK(lines[i].percentile == Approx(first[i]));
    }
    CHECK(lines[0].value_us == 1);
    CHECK(lines[0].total_count == 1);
    CHECK(lines[5].value_us == 500);  // 50%: the 500th of 1000 values
    CHECK(lines[5].total_count == 500);
    // The last value's first level, then 100%.
    CHECK(lines.back().percentile == 100.0);
    CHECK(lines.back().value_us == 1000);
    CHECK(lines.back().total_count == 1000);
    CHECK(lines[lines.size() - 2].value_us == 1000);
    CHECK(lines[lines.size() - 2].percentile < 100.0);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        CHECK(lines[i].percentile > lines[i - 1].percentile);
        CHECK(lines[i].value_us >= lines[i - 1].value_us);
    }
}

TEST_CASE("percentile distribution: one value gives its level 0 and 100% lines", "[report][hgrm]") {
    latency_histogram h;
    h.record(5000);
    const auto lines = percentile_distribution(h);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].percentile == 0);
    CHECK(lines[1].percentile == 100);
    CHECK(lines[0].value_us == lines[1].value_us);
    CHECK(lines[1].value_us >= 5000);  // the highest value equivalent to 5000 at 3 digits
    CHECK(lines[1].value_us <= 5004);
    CHECK(percentile_distribution(latency_histogram{}).empty());
}

TEST_CASE("hgrm: HdrHistogram's header, line, last-line and footer formats", "[report][hgrm]") {
    const auto lines = hgrm_lines(to_hgrm(hgrm_uniform_1_to_1000us()));
    REQUIRE(lines.size() > 10);
    CHECK(lines[0] == "       Value     Percentile TotalCount 1/(1-Percentile)");
    CHECK(lines[1].empty());
    CHECK(lines[2] == "       0.001 0.000000000000          1           1.00");
    CHECK(lines[7] == "       0.500 0.500000000000        500           2.00");
    CHECK(lines[8] == "       0.550 0.550000000000        550           2.22");
    const std::size_t n = lines.size();
    CHECK(lines[n - 4] == "       1.000 1.000000000000       1000");
    CHECK(lines[n - 3] == "#[Mean    =        0.500, StdDeviation   =        0.289]");
    CHECK(lines[n - 2] == "#[Max     =        1.000, Total count    =         1000]");
    CHECK(lines[n - 1] == "#[Buckets =           16, SubBuckets     =         2048]");
}

TEST_CASE("hgrm: an empty histogram has the header and the footer only", "[report][hgrm]") {
    const auto lines = hgrm_lines(to_hgrm(latency_histogram{}));
    REQUIRE(lines.size() == 5);
    CHECK(lines[0].find("Value") != std::string::npos);
    CHECK(lines[2].rfind("#[Mean", 0) == 0);
    CHECK(lines[3] == "#[Max     =        0.000, Total count    =            0]");
}
