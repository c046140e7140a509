#pragma once
// Line charts as inline SVG text, for the HTML reports of `rt loadgen` and `rt partition run`: no
// script, no network, one <svg> element per chart. Pure: a chart description in, text out.
#include <string>
#include <string_view>
#include <vector>

namespace rt::report {

// How x values are placed.
enum class x_scale {
    linear,      // seconds since the run started
    percentile,  // x is a percentile in [0, 100), drawn at log10(1 / (1 - x/100)), HdrHistogram style
};

// How y values are labelled.
enum class y_unit {
    number,       // plain counts and rates
    duration_us,  // microseconds, labelled "250µs", "1.2ms", "3s"
};

struct point {
    double x = 0, y = 0;
};

struct line_series {
    std::string name;   // legend text; also the path's data-name
    std::string color;  // CSS colour
    std::vector<point> points;
    bool dashed = false;
};

// A horizontal line across the plot: a threshold such as max-p99.
struct threshold_line {
    double y = 0;
    std::string label;  // "max-p99 100ms"
};

// A shaded x interval: a fault being applied, the warm-up.
struct x_span {
    double from_x = 0, to_x = 0;
    std::string label;
};

// A vertical line: a phase starting, a server kill.
struct x_mark {
    double x = 0;
    std::string label;
};

struct chart {
    std::string id;  // the <svg> element's id (letters, digits, '-')
    std::string title;
    std::string x_label, y_label;
    x_scale x = x_scale::linear;
    y_unit y = y_unit::number;
    // Percentile scale only: the right edge. 99.99 shows the tail to 1 in 10,000.
    double max_percentile = 99.99;
    std::vector<line_series> series;
    std::vector<threshold_line> thresholds;
    std::vector<x_span> spans;
    std::vector<x_mark> marks;
};

// Renders `c` as one <svg class="chart"> element, `width` x `height` user units with a viewBox so
// it scales with the page. Every series with points becomes one <path class="series">; a chart
// without any point says so in its plot area. Points outside the axes (a percentile beyond
// max_percentile) are left out; the y axis starts at 0 and reaches the largest value or threshold.
std::string render_svg(const chart& c, int width = 880, int height = 300);

// `text` with &, <, >, " and ' escaped for XML and HTML text and attribute values.
std::string escape_xml(std::string_view text);

// Tick positions for [0, max]: a 1-2-5 step giving about `target` ticks; the last tick >= max.
// max <= 0 gives {0, 1}.
std::vector<double> nice_ticks(double max, int target = 5);

}  // namespace rt::report
