#include "loadgen/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "protocol/units.hpp"
#include "report/html_page.hpp"
#include "report/percentile_distribution.hpp"

namespace rt::loadgen {

namespace {

using report::chart;
using report::line_series;

// One colour per figure, the same on every chart.
constexpr const char* color_p50 = "#1565c0";
constexpr const char* color_p99 = "#ef6c00";
constexpr const char* color_max = "#6a1b9a";
constexpr const char* color_count = "#2e7d32";
constexpr const char* color_second = "#00838f";
constexpr const char* color_errors = "#c62828";

std::string html_num(double v, int decimals = 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// The time charts' x axis: seconds since the ramp started; phases as vertical marks, the
// warm-up as a span.
chart time_chart(const loadgen_report& r, std::string id, std::string title, std::string y_label) {
    chart c;
    c.id = std::move(id);
    c.title = std::move(title);
    c.x_label = "seconds since the first connection";
    c.y_label = std::move(y_label);
    std::string phase;
    double previous_t = 0;
    for (const auto& p : r.series) {
        if (p.phase != phase) c.marks.push_back({previous_t, p.phase});
        phase = p.phase;
        previous_t = p.t_s;
    }
    if (r.warmup_s > 0) c.spans.push_back({r.publish_start_s, r.publish_start_s + r.warmup_s, "warm-up"});
    return c;
}

line_series series_of(const loadgen_report& r, std::string name, const char* color, double (*value)(const series_point&),
                      bool skip_empty_seconds = false) {
    line_series s{std::move(name), color, {}, false};
    for (const auto& p : r.series)
        if (!skip_empty_seconds || p.latency_count > 0) s.points.push_back({p.t_s, value(p)});
    return s;
}

void add_latency_thresholds(chart& c, const threshold_set& thresholds) {
    for (const auto& t : thresholds.items()) {
        switch (t.kind) {
            case threshold_kind::max_p50:
            case threshold_kind::max_p90:
            case threshold_kind::max_p99:
            case threshold_kind::max_p999:
            case threshold_kind::max_latency:
                c.thresholds.push_back({t.limit, std::string(threshold_name(t.kind)) + " " + t.text});
                break;
            default:
                break;
        }
    }
}

chart latency_over_time(const loadgen_report& r, const threshold_set& thresholds) {
    chart c = time_chart(r, "latency-over-time", "Latency per second (receive - intended send)", "latency");
    c.y = report::y_unit::duration_us;
    c.series.push_back(series_of(r, "p50", color_p50, [](const series_point& p) { return double(p.p50_us); }, true));
    c.series.push_back(series_of(r, "p99", color_p99, [](const series_point& p) { return double(p.p99_us); }, true));
    c.series.push_back(series_of(r, "max", color_max, [](const series_point& p) { return double(p.max_us); }, true));
    c.series.back().dashed = true;
    add_latency_thresholds(c, thresholds);
    return c;
}

line_series spectrum_of(const proto::latency_histogram& h, std::string name, const char* color) {
    line_series s{std::move(name), color, {}, false};
    for (const auto& l : report::percentile_distribution(h))
        s.points.push_back({l.percentile, static_cast<double>(l.value_us)});
    return s;
}

chart percentile_spectrum(const loadgen_report& r, const threshold_set& thresholds) {
    chart c;
    c.id = "percentile-spectrum";
    c.title = "Latency by percentile (after warm-up)";
    c.x = report::x_scale::percentile;
    c.y = report::y_unit::duration_us;
    c.x_label = "percentile";
    c.y_label = "latency";
    c.series.push_back(spectrum_of(r.latency_us, "corrected", color_p99));
    c.series.push_back(spectrum_of(r.latency_uncorrected_us, "uncorrected", color_p50));
    c.series.back().dashed = true;
    add_latency_thresholds(c, thresholds);
    return c;
}

chart connections_over_time(const loadgen_report& r, const threshold_set& thresholds) {
    chart c = time_chart(r, "connections", "Open subscriber connections", "connections");
    c.series.push_back(series_of(r, "open", color_count, [](const series_point& p) { return double(p.conns_open); }));
    for (const auto& t : thresholds.items())
        if (t.kind == threshold_kind::min_conns) c.thresholds.push_back({t.limit, "min-conns " + t.text});
    return c;
}

chart deliveries_over_time(const loadgen_report& r) {
    chart c = time_chart(r, "deliveries", "Deliveries per second", "deliveries/s");
    c.series.push_back(
        series_of(r, "deliveries/s", color_count, [](const series_point& p) { return p.deliveries_per_s; }));
    return c;
}

chart publishes_over_time(const loadgen_report& r) {
    chart c = time_chart(r, "publishes", "Publishes and errors per second", "per second");
    c.series.push_back(
        series_of(r, "publishes/s", color_second, [](const series_point& p) { return p.publishes_per_s; }));
    c.series.push_back(series_of(r, "errors/s", color_errors,
                                 [](const series_point& p) { return double(p.errors) / std::max(p.interval_s, 1e-3); }));
    return c;
}

std::string latency_text(const proto::latency_histogram& h) {
    if (h.count() == 0) return "n/a (no samples)";
    auto d = [](std::int64_t us) { return proto::format_duration_us(static_cast<double>(us)); };
    return "p50 " + d(h.percentile(50)) + ", p99 " + d(h.percentile(99)) + ", p99.9 " + d(h.percentile(99.9)) +
           ", p99.99 " + d(h.percentile(99.99)) + ", max " + d(h.max()) + " (" + std::to_string(h.count()) +
           " samples)";
}

}  // namespace

std::string to_html(const loadgen_report& r, const threshold_set& thresholds, const report::run_origin& origin) {
    report::html_page page("rt loadgen: " + r.workload + ", " + std::to_string(r.conns_asked) + " connections",
                           r.ok, r.ok ? "PASS" : r.interrupted ? "INTERRUPTED" : "FAIL");
    page.add_origin(origin);
    page.add_line("server", r.url);
    page.add_line("transport", r.transport);
    if (!r.ok) page.add_line("verdict", verdict_line(r));

    std::vector<std::pair<std::string, std::string>> figures = {
        {"connections", std::to_string(r.conns_subscribed) + "/" + std::to_string(r.conns_asked) + " subscribed, " +
                            std::to_string(r.conns_failed) + " failed, " + std::to_string(r.conns_dropped) + " dropped"},
        {"published", std::to_string(r.sent) + "/" + std::to_string(r.scheduled) + " sent at " +
                          html_num(r.rate_per_s, r.rate_per_s < 10 ? 1 : 0) + "/s, " + std::to_string(r.acked) +
                          " acked, " + std::to_string(r.publish_errors) + " errors"},
        {"deliveries", std::to_string(r.delivered) + "/" + std::to_string(r.expected) + " expected, " +
                           std::to_string(r.lost) + " lost, " + std::to_string(r.duplicated) + " duplicated, " +
                           std::to_string(r.out_of_order) + " out of order"},
        {"latency", latency_text(r.latency_us)},
        {"latency uncorrected", latency_text(r.latency_uncorrected_us)},
    };
    for (const auto& t : r.thresholds)
        figures.push_back({"threshold " + t.name, t.limit + ": " + t.actual + (t.ok ? "  ok" : "  BREACHED")});
    if (!r.first_error.empty()) figures.push_back({"first error", r.first_error});
    page.add_table("Figures", figures);
    if (r.nodes.size() > 1) {  // --url A --url B: each node's share
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> classes;
        for (const auto& n : r.nodes) {
            const delivery_outcome& d = n.deliveries;
            rows.push_back({n.url, std::to_string(n.conns_subscribed) + "/" + std::to_string(n.conns_asked),
                            std::to_string(n.acked) + "/" + std::to_string(n.sent),
                            std::to_string(d.delivered) + "/" + std::to_string(d.expected),
                            std::to_string(d.lost) + " / " + std::to_string(d.duplicated) + " / " +
                                std::to_string(d.out_of_order),
                            latency_text(n.latency_us)});
            classes.push_back(d.lost + d.duplicated + d.out_of_order == 0 ? "" : "fail");
        }
        page.add_grid("Nodes (publish-to " + r.publish_to + ")",
                      {"node", "subscribed", "publishes acked", "deliveries", "lost / duplicated / out of order",
                       "latency"},
                      rows, classes);
    }
    if (!r.worker_list.empty()) {  // --workers N: each process's share
        std::vector<std::vector<std::string>> rows;
        for (const auto& w : r.worker_list)
            rows.push_back({std::to_string(w.index), std::to_string(w.pid),
                            std::to_string(w.conns_subscribed) + "/" + std::to_string(w.conns_asked),
                            std::to_string(w.delivered), w.first_error.empty() ? "-" : w.first_error});
        page.add_grid("Worker processes (figures above: merged)",
                      {"worker", "pid", "subscribed", "delivered", "first error"}, rows);
    }

    page.add_chart(latency_over_time(r, thresholds));
    page.add_chart(percentile_spectrum(r, thresholds));
    page.add_chart(connections_over_time(r, thresholds));
    page.add_chart(deliveries_over_time(r));
    page.add_chart(publishes_over_time(r));
    return page.render();
}

}  // namespace rt::loadgen
