#include "chaos/scenario_report.hpp"

#include <cstdarg>
#include <cstdio>

#include "protocol/units.hpp"

namespace rt::chaos {
namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

std::string us_text(std::int64_t us) { return proto::format_duration_us(static_cast<double>(us)); }

std::string unsigned_text(std::uint64_t v) { return std::to_string(v); }

}  // namespace

std::string format_report(const scenario_report& r) {
    const auto& t = r.delivery.totals;
    const auto& h = r.reconnect_time;
    std::string out;
    out += "scenario " + r.scenario + (r.description.empty() ? "" : ": " + r.description) + "\n";
    out += fmt("  subscribers   %u on %u stream%s, %s\n", r.subscribers, r.streams, r.streams == 1 ? "" : "s",
               proto::format_duration_us(r.elapsed_s * 1e6).c_str());
    for (const auto& s : r.steps)
        out += fmt("  step          %7s  %s%s\n", us_text(s.actual_ms * 1000).c_str(), s.text.c_str(),
                   s.outcome == "ok" ? "" : ("  (" + s.outcome + ")").c_str());
    out += "  published     " + unsigned_text(r.publisher.acked) + " acked of " + unsigned_text(r.publisher.sent) +
           " sent (" + unsigned_text(r.publisher.skipped) + " ticks skipped, " + unsigned_text(r.publisher.unanswered) +
           " unanswered); " + unsigned_text(r.published_events) + " events on the watched streams\n";
    out += "  reconnects    " + unsigned_text(r.reconnects) + " (" + unsigned_text(r.subscribers_reconnected) +
           " subscribers); resumed recovered:true " + unsigned_text(r.resumed) + ", resynced from snapshot " +
           unsigned_text(r.resynced) + " (" + unsigned_text(r.subscribers_resynced) + " subscribers), gaps " +
           unsigned_text(r.gaps) + "\n";
    if (h.count() > 0)
        out += "  reconnect time p50 " + us_text(h.percentile(50)) + ", p99 " + us_text(h.percentile(99)) + " (min " +
               us_text(h.min()) + ", max " + us_text(h.max()) + ", spread " + us_text(h.max() - h.min()) + ", n=" +
               unsigned_text(h.count()) + ")\n";
    else
        out += "  reconnect time -, no outage ended\n";
    out += "  delivered     " + unsigned_text(t.received) + " events (" + unsigned_text(t.live) + " live, " +
           unsigned_text(t.replayed) + " replayed)\n";
    out += "  violations    " + unsigned_text(r.violations()) + ": lost " + unsigned_text(t.lost) + ", duplicated " +
           unsigned_text(t.duplicated) + ", out-of-order " + unsigned_text(t.out_of_order) + ", unexpected " +
           unsigned_text(t.unexpected) + ", not drained " + unsigned_text(r.not_drained) + ", state mismatches " +
           unsigned_text(r.state_mismatches) + " of " + unsigned_text(r.states_compared) +
           ", acked but never delivered " + unsigned_text(r.acked_not_delivered) + "\n";
    std::size_t shown = 0;
    for (const auto& s : r.delivery.subscribers) {
        for (const auto& v : s.examples) {
            if (shown++ >= 10) break;
            out += "    " + s.subscriber + ": " + v.kind + " seq " + std::to_string(v.seq) + " on " + v.stream + ": " +
                   v.detail + "\n";
        }
    }
    for (const auto& e : r.not_drained_examples) out += "    not drained: " + e + "\n";
    for (const auto& e : r.state_mismatch_examples) out += "    state: " + e + "\n";
    for (const auto& e : r.expectation_failures) out += "  expectation failed: " + e + "\n";
    for (const auto& e : r.errors) out += "  error: " + e + "\n";
    if (r.ok()) {
        out += "  result        PASS\n";
    } else {
        std::string why;
        if (r.violations()) why += unsigned_text(r.violations()) + " violations";
        if (!r.expectation_failures.empty())
            why += (why.empty() ? "" : ", ") + unsigned_text(r.expectation_failures.size()) + " expectations not met";
        if (!r.errors.empty()) why += (why.empty() ? "" : ", ") + unsigned_text(r.errors.size()) + " errors";
        out += "  result        FAIL (" + why + ")\n";
    }
    return out;
}

nlohmann::json to_json(const scenario_report& r) {
    auto series = nlohmann::json::array();
    for (const auto& p : r.series) series.push_back(to_json(p));
    auto steps = nlohmann::json::array();
    for (const auto& s : r.steps)
        steps.push_back({{"planned_ms", s.planned_ms}, {"actual_ms", s.actual_ms}, {"step", s.text}, {"outcome", s.outcome}});
    auto failing = nlohmann::json::array();
    for (const auto& s : r.delivery.subscribers)
        if (!s.ok()) failing.push_back(to_json(s));
    const auto& h = r.reconnect_time;
    return nlohmann::json{
        {"scenario", r.scenario},
        {"description", r.description},
        {"ok", r.ok()},
        {"violations", r.violations()},
        {"subscribers", r.subscribers},
        {"streams", r.streams},
        {"workload", r.workload},
        {"elapsed_s", r.elapsed_s},
        {"steps", steps},
        {"series", series},
        {"series_bin_s", r.series_bin_s},
        {"publisher",
         {{"sent", r.publisher.sent},
          {"acked", r.publisher.acked},
          {"refused", r.publisher.refused},
          {"unanswered", r.publisher.unanswered},
          {"skipped", r.publisher.skipped},
          {"reconnects", r.publisher.reconnects}}},
        {"published_events", r.published_events},
        {"acked_not_delivered", r.acked_not_delivered},
        {"reconnects", r.reconnects},
        {"resumed", r.resumed},
        {"resynced", r.resynced},
        {"gaps", r.gaps},
        {"subscribers_reconnected", r.subscribers_reconnected},
        {"subscribers_resynced", r.subscribers_resynced},
        {"reconnect_time_us", h.to_json()},
        {"delivery", {{"totals", to_json(r.delivery.totals)}, {"failing_subscribers", failing}}},
        {"not_drained", r.not_drained},
        {"not_drained_examples", r.not_drained_examples},
        {"states_compared", r.states_compared},
        {"state_mismatches", r.state_mismatches},
        {"state_mismatch_examples", r.state_mismatch_examples},
        {"expectation_failures", r.expectation_failures},
        {"errors", r.errors},
        {"proxy", r.proxy_stats},
    };
}

}  // namespace rt::chaos
