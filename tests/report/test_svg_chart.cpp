// render_svg: one path per series with points, thresholds and spans drawn and labelled, the
// percentile axis HdrHistogram style, text escaped; nice_ticks' 1-2-5 steps.
#include <catch2/catch.hpp>

#include <string>

#include "support/text_count.hpp"

#include "report/svg_chart.hpp"

using namespace rt::report;

namespace {

chart chart_over_time() {
    chart c;
    c.id = "latency-over-time";
    c.title = "Latency <per second>";
    c.x_label = "seconds";
    c.y_label = "latency";
    c.y = y_unit::duration_us;
    c.series.push_back({"p50", "#1565c0", {{0, 100}, {1, 120}, {2, 110}}, false});
    c.series.push_back({"p99", "#ef6c00", {{0, 900}, {1, 2500}, {2, 1000}}, false});
    c.series.push_back({"empty", "#000", {}, false});
    c.thresholds.push_back({5000, "max-p99 5ms"});
    c.spans.push_back({1, 1.5, "cut"});
    c.marks.push_back({0.5, "publish"});
    return c;
}

}  // namespace

TEST_CASE("svg chart: a path per series with points, thresholds, spans and marks", "[report][svg]") {
    const std::string svg = render_svg(chart_over_time());
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"latency-over-time\"", 0) == 0);
    CHECK(svg.size() > 1000);
    CHECK(svg.substr(svg.size() - 6) == "</svg>");
    CHECK(rt::test::count_occurrences(svg, "<path class=\"series\"") == 2);
    CHECK(svg.find("data-name=\"p50\" d=\"M70.0 ") != std::string::npos);  // starts at the left edge
    CHECK(rt::test::count_occurrences(svg, "class=\"threshold\"") == 1);
    CHECK(svg.find("max-p99 5ms") != std::string::npos);
    CHECK(rt::test::count_occurrences(svg, "<rect class=\"span\"") == 1);
    CHECK(rt::test::count_occurrences(svg, "class=\"mark\"") == 1);
    CHECK(svg.find("Latency &lt;per second&gt;") != std::string::npos);
    CHECK(svg.find("<per second>") == std::string::npos);
    CHECK(svg.find(">5ms<") != std::string::npos);  // the y axis reaches the threshold, in durations
    CHECK(svg.find(">1ms<") != std::string::npos);
    CHECK(svg.find("no data") == std::string::npos);
}

TEST_CASE("svg chart: percentile axis from 0% to 99.99% on a log scale", "[report][svg]") {
    chart c;
    c.id = "spectrum";
    c.x = x_scale::percentile;
    c.series.push_back({"latency", "#1565c0", {{0, 1}, {90, 2}, {99, 3}, {99.99, 4}, {99.9999, 5}}, false});
    const std::string svg = render_svg(c, 880, 300);
    for (const char* tick : {">0%<", ">50%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"}) {
        INFO(tick);
        CHECK(svg.find(tick) != std::string::npos);
    }
    CHECK(svg.find(">99.999%<") == std::string::npos);
    // 90% sits a quarter of the way (log10 10 of log10 10,000); 99.99% at the right edge (860).
    CHECK(svg.find("M70.0 ") != std::string::npos);
    CHECK(svg.find(" L267.5 ") != std::string::npos);
    CHECK(svg.find(" L860.0 ") != std::string::npos);
    CHECK(rt::test::count_occurrences(svg, " L") == 3);  // 99.9999% is beyond the axis: left out
}

TEST_CASE("svg chart: a chart without points says so", "[report][svg]") {
    chart c;
    c.id = "nothing";
    c.series.push_back({"deliveries/s", "#000", {}, false});
    const std::string svg = render_svg(c);
    CHECK(svg.find("no data") != std::string::npos);
    CHECK(svg.find("<path") == std::string::npos);
}

TEST_CASE("svg chart: nice ticks step 1, 2 or 5 times a power of ten", "[report][svg]") {
    CHECK(nice_ticks(0) == std::vector<double>{0, 1});
    CHECK(nice_ticks(10) == std::vector<double>{0, 2, 4, 6, 8, 10});
    CHECK(nice_ticks(11) == std::vector<double>{0, 5, 10, 15});
    CHECK(nice_ticks(0.3).size() == 4);
    CHECK(nice_ticks(2500).back() == 2500);
    CHECK(nice_ticks(2600).back() == 3000);
}
