#include "loadgen/report.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>
#include <sstream>

#include "protocol/units.hpp"

namespace rt::loadgen {

namespace {

std::string dur(std::int64_t us) { return proto::format_duration_us(static_cast<double>(us)); }

std::string num(double v, int decimals = 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string row(const std::string& label, const std::string& value) {
    std::string out = "  " + label;
    if (out.size() < 24) out.append(24 - out.size(), ' ');
    return out + value + "\n";
}

std::string hist_line(const proto::latency_histogram& h) {
    if (h.count() == 0) return "n/a (no samples)";
    return "p50 " + dur(h.percentile(50)) + "  p90 " + dur(h.percentile(90)) + "  p99 " + dur(h.percentile(99)) +
           "  p99.9 " + dur(h.percentile(99.9)) + "  max " + dur(h.max());
}

// Microseconds and counts are whole numbers in the JSON; percentages keep their fraction.
nlohmann::json threshold_number(const threshold_result& t, double v) {
    if (std::string_view(t.unit) == "pct") return v;
    return static_cast<std::int64_t>(std::llround(v));
}

}  // namespace

void set_run_settings(loadgen_report& r, const loadgen_config& config) {
    r.url = first_url(config);
    r.urls = config.urls;
    r.publish_to = config.publish_to == publish_target::same ? "same" : "any";
    r.workers = config.workers;
    r.workload = config.plan ? "spec" : config.mode == workload::boards ? "boards" : "broadcast";
    r.transport = std::string(to_string(config.transport));
    if (config.plan && config.app) {
        r.workload_line = spec::describe(*config.plan, *config.app);
        r.workload_plan = spec::to_json(*config.plan);
    }
    r.conns_asked = config.conns;
    r.boards = config.boards;
    r.publishers = config.publishers;
    r.threads = config.threads;
    r.source_ips = config.source_ips;
    r.rate_per_s = config.rate_per_s;
    r.duration_s = static_cast<double>(config.duration_us.count()) / 1e6;
    r.warmup_s = static_cast<double>(config.warmup_us.count()) / 1e6;
    r.payload_bytes = config.payload_bytes;
    r.churn_pct_per_min = config.churn_share_per_s * 100 * 60;
}

void settle_deliveries(loadgen_report& r) {
    const delivery_outcome all = r.tally.outcome(r.acked_per_board);
    r.expected = all.expected;
    r.delivered = all.delivered;
    r.lost = all.lost;
    r.duplicated = all.duplicated;
    r.out_of_order = all.out_of_order;
    r.skipped = all.skipped;
    r.left_out = all.left_out;
    for (std::uint32_t n = 0; n < r.nodes.size(); ++n) r.nodes[n].deliveries = r.tally.outcome(r.acked_per_board, n);
}

threshold_inputs inputs_of(const loadgen_report& r) {
    threshold_inputs in;
    in.p50_us = r.latency_us.percentile(50);
    in.p90_us = r.latency_us.percentile(90);
    in.p99_us = r.latency_us.percentile(99);
    in.p999_us = r.latency_us.percentile(99.9);
    in.max_us = r.latency_us.max();
    in.lost = r.lost;
    in.expected = r.expected;
    in.duplicated = r.duplicated;
    in.out_of_order = r.out_of_order;
    in.errors = r.errors();
    in.late = r.late;
    in.conns = r.conns_subscribed;
    return in;
}

void apply_thresholds(loadgen_report& r, const threshold_set& set) {
    r.thresholds = set.evaluate(inputs_of(r));
    r.ok = !r.interrupted;
    for (const auto& t : r.thresholds) r.ok = r.ok && t.ok;
}

std::string verdict_line(const loadgen_report& r) {
    if (r.ok) return "PASS";
    std::string out = r.interrupted ? "INTERRUPTED: partial figures" : "FAIL:";
    const char* sep = r.interrupted ? "; " : " ";
    for (const auto& t : r.thresholds) {
        if (t.ok) continue;
        const bool is_min = t.name.rfind("min-", 0) == 0;
        out += sep + t.name + " " + t.actual + (is_min ? " < " : " > ") + t.limit;
        sep = "; ";
    }
    return out;
}

std::string to_table(const loadgen_report& r) {
    std::ostringstream os;
    os << "rt loadgen: " << r.workload << " workload, " << r.conns_asked << " connections";
    if (r.workload == "boards") os << " over " << r.boards << " boards";
    if (r.workload == "spec") os << " over " << r.boards << " stream" << (r.boards == 1 ? "" : "s");
    os << ", " << num(r.rate_per_s, r.rate_per_s < 10 ? 1 : 0) << " events/s for " << proto::format_duration_us(r.duration_s * 1e6);
    if (r.warmup_s > 0) os << " (+" << proto::format_duration_us(r.warmup_s * 1e6) << " warm-up)";
    os << ", " << r.publishers << " publisher" << (r.publishers == 1 ? "" : "s") << "\n";
    if (!r.workload_line.empty()) os << row("workload", r.workload_line);
    os << row("transport", r.transport == "sse" ? "sse (subscribers on GET /sse event streams, publishers on WebSocket)"
                                                : r.transport);
    if (r.workers > 1) {
        std::string w = std::to_string(r.workers) + " processes, their figures merged:";
        for (const auto& f : r.worker_list)
            w += " w" + std::to_string(f.index) + " " + std::to_string(f.conns_subscribed) + "/" +
                 std::to_string(f.conns_asked) + (f.index + 1 < r.worker_list.size() ? "," : "");
        os << row("workers", w + " subscribed");
    }
    if (r.nodes.size() > 1) {
        os << row("nodes", std::to_string(r.nodes.size()) + ", publish-to " + r.publish_to);
        for (std::size_t n = 0; n < r.nodes.size(); ++n) {
            const node_figures& f = r.nodes[n];
            os << row("node " + std::to_string(n + 1),
                      f.url + ": " + std::to_string(f.conns_subscribed) + "/" + std::to_string(f.conns_asked) +
                          " subscribed, " + std::to_string(f.acked) + "/" + std::to_string(f.sent) +
                          " publishes acked");
            os << row("", std::to_string(f.deliveries.delivered) + "/" + std::to_string(f.deliveries.expected) +
                              " delivered, " + std::to_string(f.deliveries.lost) + " lost, " +
                              std::to_string(f.deliveries.duplicated) + " duplicated, " +
                              std::to_string(f.deliveries.out_of_order) + " out of order; latency " +
                              (f.latency_us.count() ? "p50 " + dur(f.latency_us.percentile(50)) + "  p99 " +
                                                          dur(f.latency_us.percentile(99))
                                                    : std::string("n/a")));
        }
    }
    os << row("connections", std::to_string(r.conns_subscribed) + "/" + std::to_string(r.conns_asked) +
                                 " subscribed, " + std::to_string(r.conns_failed) + " failed, " +
                                 std::to_string(r.conns_dropped) + " dropped during the run");
    os << row("connect time", r.connect_us.count() ? "p50 " + dur(r.connect_us.percentile(50)) + "  p99 " +
                                                         dur(r.connect_us.percentile(99)) + "  max " +
                                                         dur(r.connect_us.max())
                                                   : "n/a");
    if (!r.source_addresses.empty() && !r.source_addresses.front().empty())
        os << row("source addresses", r.source_addresses.front() +
                                          (r.source_addresses.size() > 1 ? " .. " + r.source_addresses.back() : ""));
    os << row("subscribe time", r.subscribe_us.count() ? "p50 " + dur(r.subscribe_us.percentile(50)) + "  p99 " +
                                                             dur(r.subscribe_us.percentile(99))
                                                       : "n/a");
    os << row("published", std::to_string(r.sent) + "/" + std::to_string(r.scheduled) + " sent, " +
                               std::to_string(r.acked) + " acked, " + std::to_string(r.publish_errors) + " errors, " +
                               std::to_string(r.late) + " late (>1ms behind schedule, worst " + dur(r.max_lag_us) +
                               ")");
    os << row("latency", hist_line(r.latency_us) + "  (receive - intended send)");
    os << row("latency uncorrected", hist_line(r.latency_uncorrected_us) + "  (receive - actual send)");
    os << row("deliveries", std::to_string(r.delivered) + "/" + std::to_string(r.expected) + " expected, " +
                                num(r.deliveries_per_s) + "/s" +
                                (r.tally.coalesced() ? "  (coalesced: expected = throttle group seqs, not publishes)" : ""));
    os << row("completeness", std::to_string(r.lost) + " lost, " + std::to_string(r.duplicated) + " duplicated, " +
                                  std::to_string(r.out_of_order) + " out of order");
    if (r.churn_pct_per_min > 0)
        os << row("churn", num(r.churn_pct_per_min, r.churn_pct_per_min < 10 ? 1 : 0) + "%/min: " +
                               std::to_string(r.reconnects) + " reconnects, " + std::to_string(r.recovered) +
                               " recovered, " + std::to_string(r.resynced) + " resynced (" +
                               std::to_string(r.skipped) + " events skipped, " + std::to_string(r.left_out) +
                               " connections left out), " + std::to_string(r.reconnects_failed) + " failed");
    if (r.reconnect_us.count())
        os << row("reconnect time", "p50 " + dur(r.reconnect_us.percentile(50)) + "  p99 " +
                                        dur(r.reconnect_us.percentile(99)) + "  max " + dur(r.reconnect_us.max()) +
                                        "  (close -> resubscribed)");
    os << row("server drops", r.server ? std::to_string(r.server->events_dropped) + " events dropped, " +
                                             std::to_string(r.server->slow_disconnects) + " slow-consumer closes, " +
                                             std::to_string(r.server->rate_limited) + " rate-limited"
                                       : "n/a (no rt /metrics)");
    if (!r.first_error.empty()) os << row("first error", r.first_error);
    for (const auto& t : r.thresholds)
        os << row("threshold " + t.name, t.limit + ": " + t.actual + (t.ok ? "  ok" : "  BREACHED"));
    os << verdict_line(r) << "\n";
    return os.str();
}

nlohmann::json series_json(const std::vector<series_point>& points) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : points)
        out.push_back({{"t_s", p.t_s},
                       {"interval_s", p.interval_s},
                       {"phase", p.phase},
                       {"latency_count", p.latency_count},
                       {"p50_us", p.p50_us},
                       {"p99_us", p.p99_us},
                       {"max_us", p.max_us},
                       {"conns_open", p.conns_open},
                       {"deliveries_per_s", p.deliveries_per_s},
                       {"publishes_per_s", p.publishes_per_s},
                       {"errors", p.errors}});
    return out;
}

nlohmann::json to_json(const loadgen_report& r) {
    using nlohmann::json;
    json thresholds = json::array();
    for (const auto& t : r.thresholds)
        thresholds.push_back({{"name", t.name},
                              {"limit", t.limit},
                              {std::string("limit_") + t.unit, threshold_number(t, t.limit_value)},
                              {std::string("actual_") + t.unit, threshold_number(t, t.actual_value)},
                              {"ok", t.ok}});
    json server = nullptr;
    if (r.server)
        server = {{"events_dropped", r.server->events_dropped},
                  {"slow_disconnects", r.server->slow_disconnects},
                  {"rate_limited", r.server->rate_limited}};
    json nodes = json::array();
    for (const auto& f : r.nodes)
        nodes.push_back({{"url", f.url},
                         {"conns", {{"asked", f.conns_asked}, {"subscribed", f.conns_subscribed}}},
                         {"publish", {{"sent", f.sent}, {"acked", f.acked}}},
                         {"deliveries",
                          {{"expected", f.deliveries.expected},
                           {"delivered", f.deliveries.delivered},
                           {"lost", f.deliveries.lost},
                           {"duplicated", f.deliveries.duplicated},
                           {"out_of_order", f.deliveries.out_of_order}}},
                         {"latency_us", f.latency_us.to_json()}});
    json workers = json::array();
    for (const auto& f : r.worker_list)
        workers.push_back({{"index", f.index},
                           {"pid", f.pid},
                           {"conns_asked", f.conns_asked},
                           {"conns_subscribed", f.conns_subscribed},
                           {"delivered", f.delivered},
                           {"first_error", f.first_error}});
    return {
        {"config",
         {{"url", r.url},
          {"urls", r.urls},
          {"publish_to", r.publish_to},
          {"workers", r.workers},
          {"workload", r.workload},
          {"workload_plan", r.workload_plan},
          {"transport", r.transport},
          {"conns", r.conns_asked},
          {"boards", r.boards},
          {"rate_per_s", r.rate_per_s},
          {"duration_s", r.duration_s},
          {"warmup_s", r.warmup_s},
          {"payload_bytes", r.payload_bytes},
          {"publishers", r.publishers},
          {"threads", r.threads},
          {"source_ips", r.source_ips},
          {"source_addresses", r.source_addresses}}},
        {"connections",
         {{"asked", r.conns_asked},
          {"opened", r.conns_opened},
          {"subscribed", r.conns_subscribed},
          {"failed", r.conns_failed},
          {"dropped", r.conns_dropped},
          {"connect_us", r.connect_us.to_json()},
          {"subscribe_us", r.subscribe_us.to_json()}}},
        {"publish",
         {{"scheduled", r.scheduled},
          {"sent", r.sent},
          {"acked", r.acked},
          {"errors", r.publish_errors},
          {"late", r.late},
          {"max_lag_us", r.max_lag_us},
          {"seconds", r.publish_seconds}}},
        {"deliveries",
         {{"expected", r.expected},
          {"delivered", r.delivered},
          {"lost", r.lost},
          {"duplicated", r.duplicated},
          {"out_of_order", r.out_of_order},
          {"unparsed", r.unparsed},
          {"coalesced", r.tally.coalesced()},
          {"per_s", r.deliveries_per_s}}},
        {"churn",
         {{"pct_per_min", r.churn_pct_per_min},
          {"reconnects", r.reconnects},
          {"recovered", r.recovered},
          {"resynced", r.resynced},
          {"skipped", r.skipped},
          {"left_out", r.left_out},
          {"failed", r.reconnects_failed},
          {"reconnect_us", r.reconnect_us.to_json()}}},
        {"latency_us", r.latency_us.to_json()},
        {"latency_uncorrected_us", r.latency_uncorrected_us.to_json()},
        {"series", series_json(r.series)},
        {"nodes", nodes},
        {"workers", workers},
        {"server", server},
        {"errors", r.errors()},
        {"first_error", r.first_error},
        {"thresholds", thresholds},
        {"interrupted", r.interrupted},
        {"ok", r.ok},
    };
}

}  // namespace rt::loadgen
