#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>


namespace rt::report {

namespace {

// Margins around the plot area: room for y tick labels on the left, the legend on the right of
// the title, x tick labels and the axis name below.
constexpr double margin_left = 70, margin_right = 20, margin_top = 34, margin_bottom = 44;

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string number_label(double v) {
    char buf[32];
    if (std::fabs(v) >= 1e6) std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    else if (std::fabs(v) >= 1e4) std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    else std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Tick labels are round numbers: "250µs", "2.5ms", "5ms", "1.5s" (not format_duration_us's
// three digits, "5.00ms").
std::string y_label_text(y_unit unit, double v) {
    if (unit == y_unit::number || v == 0) return number_label(v);
    char buf[32];
    if (v < 1e3) std::snprintf(buf, sizeof buf, "%g\xC2\xB5s", v);
    else if (v < 1e6) std::snprintf(buf, sizeof buf, "%gms", v / 1e3);
    else std::snprintf(buf, sizeof buf, "%gs", v / 1e6);
    return buf;
}

// log10(1 / (1 - p/100)): 0 at 0%, 1 at 90%, 2 at 99%, 4 at 99.99%.
double percentile_position(double p) { return std::log10(100.0 / (100.0 - std::min(p, 99.9999999))); }

// Maps data coordinates to the plot area.
class plot_area {
public:
    plot_area(const chart& c, int width, int height) : c_(c) {
        left_ = margin_left;
        right_ = width - margin_right;
        top_ = margin_top;
        bottom_ = height - margin_bottom;
        if (c.x == x_scale::percentile) {
            x0_ = 0;
            x1_ = percentile_position(c.max_percentile);
        } else {
            bool any = false;
            auto see = [&](double x) {
                x0_ = any ? std::min(x0_, x) : x;
                x1_ = any ? std::max(x1_, x) : x;
                any = true;
            };
            for (const auto& s : c.series)
                for (const auto& p : s.points) see(p.x);
            for (const auto& s : c.spans) see(s.from_x), see(s.to_x);
            for (const auto& m : c.marks) see(m.x);
            x0_ = any ? std::min(x0_, 0.0) : 0;
            if (!any || x1_ <= x0_) x1_ = x0_ + 1;
        }
        double ymax = 0;
        for (const auto& s : c.series)
            for (const auto& p : s.points)
                if (in_x(p.x)) ymax = std::max(ymax, p.y);
        for (const auto& t : c.thresholds) ymax = std::max(ymax, t.y);
        y_ticks_ = nice_ticks(ymax);
        y1_ = y_ticks_.back();
    }

    bool in_x(double x) const {
        return c_.x == x_scale::linear || (x >= 0 && x <= c_.max_percentile + 1e-9);
    }
    double px(double x) const {
        const double v = c_.x == x_scale::percentile ? percentile_position(x) : x;
        return left_ + (v - x0_) / (x1_ - x0_) * (right_ - left_);
    }
    double py(double y) const { return bottom_ - std::clamp(y / y1_, 0.0, 1.0) * (bottom_ - top_); }

    double left_, right_, top_, bottom_;
    double x0_ = 0, x1_ = 1, y1_ = 1;
    std::vector<double> y_ticks_;

private:
    const chart& c_;
};

struct x_tick {
    double x;
    std::string label;
};

std::vector<x_tick> x_ticks_of(const chart& c, const plot_area& a) {
    std::vector<x_tick> out;
    if (c.x == x_scale::percentile) {
        for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 99.999})
            if (p <= c.max_percentile + 1e-9) out.push_back({p, number_label(p) + "%"});
        return out;
    }
    const double span = a.x1_ - a.x0_;
    for (double t : nice_ticks(span, 8))
        if (a.x0_ + t <= a.x1_ + 1e-9) out.push_back({a.x0_ + t, number_label(a.x0_ + t)});
    return out;
}

std::string text_el(double x, double y, const std::string& cls, const std::string& anchor, const std::string& text) {
    return "<text class=\"" + cls + "\" x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\">" +
           escape_xml(text) + "</text>";
}

std::string line_el(double x1, double y1, double x2, double y2, const std::string& cls) {
    return "<line class=\"" + cls + "\" x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" +
           fmt(y2) + "\"/>";
}

}  // namespace

std::string escape_xml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += ch;
        }
    }
    return out;
}

std::vector<double> nice_ticks(double max, int target) {
    if (!(max > 0) || !std::isfinite(max)) return {0, 1};
    const double raw = max / std::max(target, 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * mag;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    for (int i = 0;; ++i) {
        const double t = step * i;
        ticks.push_back(t);
        if (t >= max * (1 - 1e-12)) break;
    }
    return ticks;
}

std::string render_svg(const chart& c, int width, int height) {
    const plot_area a(c, width, height);
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"" + escape_xml(c.id) +
                      "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                      "\" role=\"img\" aria-label=\"" + escape_xml(c.title) + "\">";
    out += "<title>" + escape_xml(c.title) + "</title>";
    out += text_el(a.left_, 20, "chart-title", "start", c.title);

    // Spans first, so lines are drawn over them.
    for (const auto& s : c.spans) {
        const double x0 = a.px(s.from_x), x1 = std::max(a.px(s.to_x), x0 + 1);
        out += "<rect class=\"span\" x=\"" + fmt(x0) + "\" y=\"" + fmt(a.top_) + "\" width=\"" + fmt(x1 - x0) +
               "\" height=\"" + fmt(a.bottom_ - a.top_) + "\"><title>" + escape_xml(s.label) + "</title></rect>";
        out += text_el(x0 + 3, a.top_ + 12, "span-label", "start", s.label);
    }
    // Grid and y axis.
    for (double t : a.y_ticks_) {
        out += line_el(a.left_, a.py(t), a.right_, a.py(t), "grid");
        out += text_el(a.left_ - 6, a.py(t) + 4, "tick", "end", y_label_text(c.y, t));
    }
    for (const auto& t : x_ticks_of(c, a)) {
        out += line_el(a.px(t.x), a.bottom_, a.px(t.x), a.bottom_ + 4, "axis");
        out += text_el(a.px(t.x), a.bottom_ + 16, "tick", "middle", t.label);
    }
    out += line_el(a.left_, a.bottom_, a.right_, a.bottom_, "axis");
    out += line_el(a.left_, a.top_, a.left_, a.bottom_, "axis");
    out += text_el((a.left_ + a.right_) / 2, height - 8, "axis-label", "middle", c.x_label);
    out += "<text class=\"axis-label\" transform=\"translate(14," + fmt((a.top_ + a.bottom_) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + escape_xml(c.y_label) + "</text>";

    for (const auto& m : c.marks) {
        out += line_el(a.px(m.x), a.top_, a.px(m.x), a.bottom_, "mark");
        out += text_el(a.px(m.x) + 3, a.bottom_ - 4, "mark-label", "start", m.label);
    }
    for (const auto& t : c.thresholds) {
        out += line_el(a.left_, a.py(t.y), a.right_, a.py(t.y), "threshold");
        // Under the line when it runs along the top, where the legend is.
        const double label_y = a.py(t.y) - 4 < a.top_ + 12 ? a.py(t.y) + 13 : a.py(t.y) - 4;
        out += text_el(a.right_ - 4, label_y, "threshold-label", "end", t.label);
    }

    bool any_point = false;
    double legend_x = a.right_;
    std::string legend;
    for (auto s = c.series.rbegin(); s != c.series.rend(); ++s) {
        std::string d;
        for (const auto& p : s->points) {
            if (!a.in_x(p.x)) continue;
            d += (d.empty() ? "M" : " L") + fmt(a.px(p.x)) + " " + fmt(a.py(p.y));
        }
        legend_x -= 12 + 7.0 * static_cast<double>(s->name.size()) + 22;
        legend += "<line class=\"legend-key\" x1=\"" + fmt(legend_x) + "\" y1=\"16\" x2=\"" + fmt(legend_x + 16) +
                  "\" y2=\"16\" stroke=\"" + escape_xml(s->color) + "\"/>";
        legend += text_el(legend_x + 20, 20, "legend", "start", s->name);
        if (d.empty()) continue;
        any_point = true;
        out += "<path class=\"series\" data-name=\"" + escape_xml(s->name) + "\" d=\"" + d + "\" stroke=\"" +
               escape_xml(s->color) + "\"" + (s->dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>";
    }
    out += legend;
    if (!any_point)
        out += text_el((a.left_ + a.right_) / 2, (a.top_ + a.bottom_) / 2, "empty", "middle", "no data");
    out += "</svg>";
    return out;
}

}  // namespace rt::report
