// The chaos run over time: build_activity's bins, the fault timeline drawn from the steps, and
// the HTML page (pure, from a made-up report).
#include <catch2/catch.hpp>

#include <string>

#include "chaos/activity_series.hpp"
#include "chaos/html_report.hpp"

using namespace rt::chaos;

namespace {

received_event activity_event(delivery_source from, std::int64_t at_us) {
    received_event e;
    e.stream = "s";
    e.from = from;
    e.at_us = at_us;
    return e;
}

step_record activity_step(std::int64_t at_ms, std::string text) {
    return step_record{at_ms, at_ms, std::move(text), "ok"};
}

}  // namespace

TEST_CASE("activity: events, reconnects and cut-off subscribers per bin", "[chaos][report]") {
    subscriber_history h;
    h.received = {activity_event(delivery_source::live, 999),            // before the start: left out
                  activity_event(delivery_source::live, 1000),           // bin 0
                  activity_event(delivery_source::live, 1000 + 249'999), // bin 0
                  activity_event(delivery_source::replay, 1000 + 500'000),
                  activity_event(delivery_source::snapshot, 1000 + 600'000),
                  activity_event(delivery_source::live, 1000 + 1'000'000)};  // the end: left out
    // One outage across bins 1 and 2 (ends in bin 2), one still open at the end.
    const std::vector<outage_span> outages = {{1000 + 200'000, 1000 + 600'000}, {1000 + 800'000, 1000 + 5'000'000}};
    const auto bins = build_activity({h}, outages, 1000, 1000 + 1'000'000, 250'000);
    REQUIRE(bins.size() == 4);
    CHECK(bins[0].t_s == 0);
    CHECK(bins[3].t_s == Approx(0.75));
    CHECK(bins[0].live == 2);
    CHECK(bins[2].replayed == 1);
    CHECK(bins[2].resyncs == 1);
    CHECK(bins[2].reconnects == 1);
    CHECK(bins[1].reconnects == 0);
    CHECK(bins[0].cut_off == 1);  // from 0.2 s: cut off at the end of bin 0 (0.25 s)
    CHECK(bins[1].cut_off == 1);
    CHECK(bins[2].cut_off == 0);  // back at 0.6 s, before bin 2 ends
    CHECK(bins[3].cut_off == 1);  // the second outage
    CHECK(build_activity({h}, outages, 5, 5, 250'000).empty());
    CHECK(to_json(bins[2])["replayed"] == 1);
}

TEST_CASE("activity: faults are spans until heal, kill_server until restart_server", "[chaos][report]") {
    const auto t = fault_timeline_of({activity_step(1000, "1s blackhole"), activity_step(1500, "1500ms reset"),
                                      activity_step(2000, "2s latency 50ms down"), activity_step(3000, "3s heal"),
                                      activity_step(4000, "4s kill_server"), activity_step(5000, "5s restart_server"),
                                      activity_step(6000, "6s bandwidth 1KiB/s")},
                                     8.0);
    REQUIRE(t.spans.size() == 4);
    CHECK(t.spans[0].label == "blackhole");
    CHECK(t.spans[0].from_x == 1.0);
    CHECK(t.spans[0].to_x == 3.0);
    CHECK(t.spans[1].label == "latency 50ms down");
    CHECK(t.spans[1].to_x == 3.0);
    CHECK(t.spans[2].label == "server down");
    CHECK(t.spans[2].from_x == 4.0);
    CHECK(t.spans[2].to_x == 5.0);
    CHECK(t.spans[3].label == "bandwidth 1KiB/s");
    CHECK(t.spans[3].to_x == 8.0);  // never healed: until the end
    REQUIRE(t.marks.size() == 3);
    CHECK(t.marks[0].label == "reset");
    CHECK(t.marks[1].label == "heal");
    CHECK(t.marks[2].label == "restart");
}

TEST_CASE("activity: the partition HTML report has both charts with the faults shaded", "[chaos][report]") {
    scenario_report r;
    r.scenario = "blackhole <short>";
    r.series_bin_s = 0.25;
    for (int i = 0; i < 8; ++i) {
        activity_point p;
        p.t_s = i * 0.25;
        p.live = 10;
        p.replayed = i == 5 ? 7 : 0;
        p.reconnects = i == 5 ? 3 : 0;
        r.series.push_back(p);
    }
    r.steps = {activity_step(500, "500ms blackhole"), activity_step(1000, "1s heal")};
    const std::string html = to_html(r, {"rt partition run x.toml --report a.html", "2026-12-01 02:30:00 UTC"});
    CHECK(html.find("id=\"events\"") != std::string::npos);
    CHECK(html.find("id=\"reconnects\"") != std::string::npos);
    CHECK(html.find("rt partition run: blackhole &lt;short&gt;") != std::string::npos);
    CHECK(html.find("data-name=\"replayed\"") != std::string::npos);
    CHECK(html.find("<rect class=\"span\"") != std::string::npos);
    CHECK(html.find("per 250ms") != std::string::npos);
    CHECK(html.find("verdict pass") != std::string::npos);
}
