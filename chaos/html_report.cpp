#include "chaos/html_report.hpp"

#include <cstdio>

#include "chaos/timeline.hpp"
#include "protocol/units.hpp"

namespace rt::chaos {

namespace {

using report::chart;
using report::line_series;

// A step's action without its offset ("blackhole up", "kill_server"); the whole text if it
// does not split.
std::string step_action_text(const step_record& s) {
    auto split = split_timeline(s.text);
    if (!split || split->empty()) return s.text;
    return std::string(split->front().action);
}

chart timeline_chart(const scenario_report& r, const fault_timeline& faults, std::string id, std::string title) {
    chart c;
    c.id = std::move(id);
    c.title = std::move(title);
    c.x_label = "seconds since publishing started";
    c.y_label = "per " + proto::format_duration_us(r.series_bin_s * 1e6);
    c.spans = faults.spans;
    c.marks = faults.marks;
    return c;
}

line_series activity_line(const scenario_report& r, std::string name, const char* color,
                          std::uint64_t activity_point::*field) {
    line_series s{std::move(name), color, {}, false};
    for (const auto& p : r.series) s.points.push_back({p.t_s, static_cast<double>(p.*field)});
    return s;
}

std::string html_count(std::uint64_t n) { return std::to_string(n); }

}  // namespace

fault_timeline fault_timeline_of(const std::vector<step_record>& steps, double end_s) {
    fault_timeline out;
    struct open_span {
        double from_s;
        std::string label;
    };
    std::vector<open_span> faults;  // in force until a heal
    std::vector<open_span> down;    // the server, until restart_server
    auto close_all = [&](std::vector<open_span>& open, double at_s) {
        for (auto& o : open) out.spans.push_back({o.from_s, at_s, o.label});
        open.clear();
    };
    for (const auto& s : steps) {
        const double at_s = static_cast<double>(s.actual_ms) / 1e3;
        const std::string action = step_action_text(s);
        const std::string verb = action.substr(0, action.find(' '));
        if (verb == "heal") {
            close_all(faults, at_s);
            out.marks.push_back({at_s, "heal"});
        } else if (verb == "kill_server") {
            down.push_back({at_s, "server down"});
        } else if (verb == "restart_server") {
            close_all(down, at_s);
            out.marks.push_back({at_s, "restart"});
        } else if (verb == "reset") {
            out.marks.push_back({at_s, action});
        } else {
            faults.push_back({at_s, action});
        }
    }
    close_all(faults, end_s);
    close_all(down, end_s);
    return out;
}

std::string to_html(const scenario_report& r, const report::run_origin& origin) {
    report::html_page page("rt partition run: " + r.scenario, r.ok(), r.ok() ? "PASS" : "FAIL");
    page.add_origin(origin);
    if (!r.description.empty()) page.add_line("scenario", r.description);

    const double end_s = r.series.empty() ? 0 : r.series.back().t_s + r.series_bin_s;
    const fault_timeline faults = fault_timeline_of(r.steps, end_s);

    const auto& t = r.delivery.totals;
    std::vector<std::pair<std::string, std::string>> figures = {
        {"subscribers", html_count(r.subscribers) + " on " + html_count(r.streams) + " streams"},
        {"published", html_count(r.publisher.acked) + " changes acked, " + html_count(r.published_events) +
                          " events on the watched streams"},
        {"sessions", html_count(r.reconnects) + " reconnects, " + html_count(r.resumed) + " resumed, " +
                         html_count(r.resynced) + " resynced, " + html_count(r.gaps) + " gaps"},
        {"delivery", html_count(t.lost) + " lost, " + html_count(t.duplicated) + " duplicated, " +
                         html_count(t.out_of_order) + " out of order"},
        {"violations", html_count(r.violations())},
    };
    if (r.reconnect_time.count())
        figures.push_back({"reconnect time", "p50 " + proto::format_duration_us(double(r.reconnect_time.percentile(50))) +
                                                 ", max " + proto::format_duration_us(double(r.reconnect_time.max()))});
    for (const auto& f : r.expectation_failures) figures.push_back({"expectation not met", f});
    for (const auto& e : r.errors) figures.push_back({"error", e});
    page.add_table("Figures", figures);

    std::vector<std::pair<std::string, std::string>> steps;
    for (const auto& s : r.steps) {
        char at[32];
        std::snprintf(at, sizeof at, "%.2f s", static_cast<double>(s.actual_ms) / 1e3);
        steps.push_back({at, s.text + (s.outcome == "ok" ? "" : " (" + s.outcome + ")")});
    }
    page.add_table("Timeline", steps);

    chart events = timeline_chart(r, faults, "events", "Events received by the subscribers, faults shaded");
    events.series.push_back(activity_line(r, "live", "#1565c0", &activity_point::live));
    events.series.push_back(activity_line(r, "replayed", "#ef6c00", &activity_point::replayed));
    page.add_chart(events);

    chart sessions = timeline_chart(r, faults, "reconnects", "Reconnects, resyncs and cut-off subscribers");
    sessions.series.push_back(activity_line(r, "reconnects", "#2e7d32", &activity_point::reconnects));
    sessions.series.push_back(activity_line(r, "resyncs", "#c62828", &activity_point::resyncs));
    sessions.series.push_back(activity_line(r, "cut off", "#6a1b9a", &activity_point::cut_off));
    sessions.series.back().dashed = true;
    page.add_chart(sessions);
    return page.render();
}

}  // namespace rt::chaos
