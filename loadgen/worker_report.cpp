#include "loadgen/worker_report.hpp"

#include <algorithm>

namespace rt::loadgen {

namespace {

using json = nlohmann::json;

// Reading a worker's JSON: every field must be there with the right type; the first that is
// not becomes the error (a worker of another build, or a message cut short).
class reader {
public:
    explicit reader(const json& j) : j_(j) {}

    template <typename T>
    void get(const char* key, T& out) {
        if (!error_.empty()) return;
        if (!j_.is_object() || !j_.contains(key)) {
            error_ = std::string("missing ") + key;
            return;
        }
        try {
            out = j_.at(key).get<T>();
        } catch (const json::exception&) {
            error_ = std::string("ill-typed ") + key + ": " + j_.at(key).dump().substr(0, 80);
        }
    }
    void histogram(const char* key, proto::latency_histogram& out) {
        if (!error_.empty()) return;
        std::string why;
        auto h = j_.is_object() && j_.contains(key) ? proto::latency_histogram::from_buckets_json(j_[key], &why)
                                                    : std::nullopt;
        if (!h) error_ = std::string(key) + ": " + (why.empty() ? "missing" : why);
        else out = std::move(*h);
    }
    const std::string& error() const { return error_; }
    void fail(const std::string& why) {
        if (error_.empty()) error_ = why;
    }

private:
    const json& j_;
    std::string error_;
};

json series_to_json(const std::vector<series_point>& points) { return series_json(points); }

std::vector<series_point> series_from_json(const json& j, reader& rd) {
    std::vector<series_point> out;
    if (!j.is_array()) {
        rd.fail("series: expected an array");
        return out;
    }
    for (const auto& p : j) {
        reader r(p);
        series_point s;
        r.get("t_s", s.t_s);
        r.get("interval_s", s.interval_s);
        r.get("phase", s.phase);
        r.get("latency_count", s.latency_count);
        r.get("p50_us", s.p50_us);
        r.get("p99_us", s.p99_us);
        r.get("max_us", s.max_us);
        r.get("conns_open", s.conns_open);
        r.get("deliveries_per_s", s.deliveries_per_s);
        r.get("publishes_per_s", s.publishes_per_s);
        r.get("errors", s.errors);
        if (!r.error().empty()) {
            rd.fail("series: " + r.error());
            break;
        }
        out.push_back(std::move(s));
    }
    return out;
}

// Adds point `p` of one worker into `into` (the same second of the run).
void add_point(series_point& into, const series_point& p) {
    if (into.phase.empty()) {
        into.t_s = p.t_s;
        into.interval_s = p.interval_s;
        into.phase = p.phase;
    }
    into.latency_count += p.latency_count;
    into.p50_us = std::max(into.p50_us, p.p50_us);
    into.p99_us = std::max(into.p99_us, p.p99_us);
    into.max_us = std::max(into.max_us, p.max_us);
    into.conns_open += p.conns_open;
    into.deliveries_per_s += p.deliveries_per_s;
    into.publishes_per_s += p.publishes_per_s;
    into.errors += p.errors;
}

}  // namespace

json to_worker_json(const loadgen_report& r) {
    json nodes = json::array();
    for (const auto& n : r.nodes)
        nodes.push_back({{"url", n.url},
                         {"conns_asked", n.conns_asked},
                         {"conns_subscribed", n.conns_subscribed},
                         {"sent", n.sent},
                         {"acked", n.acked},
                         {"latency_us", n.latency_us.to_buckets_json()}});
    json server = nullptr;
    if (r.server)
        server = {{"events_dropped", r.server->events_dropped},
                  {"slow_disconnects", r.server->slow_disconnects},
                  {"rate_limited", r.server->rate_limited}};
    return {{"conns_asked", r.conns_asked},
            {"publishers", r.publishers},
            {"source_addresses", r.source_addresses},
            {"conns_opened", r.conns_opened},
            {"conns_subscribed", r.conns_subscribed},
            {"conns_failed", r.conns_failed},
            {"conns_dropped", r.conns_dropped},
            {"scheduled", r.scheduled},
            {"sent", r.sent},
            {"acked", r.acked},
            {"publish_errors", r.publish_errors},
            {"late", r.late},
            {"max_lag_us", r.max_lag_us},
            {"publish_seconds", r.publish_seconds},
            {"publish_start_s", r.publish_start_s},
            {"unparsed", r.unparsed},
            {"deliveries_per_s", r.deliveries_per_s},
            {"reconnects", r.reconnects},
            {"recovered", r.recovered},
            {"resynced", r.resynced},
            {"reconnects_failed", r.reconnects_failed},
            {"tally", r.tally.to_json()},
            {"acked_per_board", r.acked_per_board},
            {"latency_us", r.latency_us.to_buckets_json()},
            {"latency_uncorrected_us", r.latency_uncorrected_us.to_buckets_json()},
            {"connect_us", r.connect_us.to_buckets_json()},
            {"subscribe_us", r.subscribe_us.to_buckets_json()},
            {"reconnect_us", r.reconnect_us.to_buckets_json()},
            {"nodes", std::move(nodes)},
            {"series", series_to_json(r.series)},
            {"server", std::move(server)},
            {"first_error", r.first_error},
            {"interrupted", r.interrupted}};
}

result<loadgen_report, std::string> from_worker_json(const json& j) {
    loadgen_report r;
    reader rd(j);
    rd.get("conns_asked", r.conns_asked);
    rd.get("publishers", r.publishers);
    rd.get("source_addresses", r.source_addresses);
    rd.get("conns_opened", r.conns_opened);
    rd.get("conns_subscribed", r.conns_subscribed);
    rd.get("conns_failed", r.conns_failed);
    rd.get("conns_dropped", r.conns_dropped);
    rd.get("scheduled", r.scheduled);
    rd.get("sent", r.sent);
    rd.get("acked", r.acked);
    rd.get("publish_errors", r.publish_errors);
    rd.get("late", r.late);
    rd.get("max_lag_us", r.max_lag_us);
    rd.get("publish_seconds", r.publish_seconds);
    rd.get("publish_start_s", r.publish_start_s);
    rd.get("unparsed", r.unparsed);
    rd.get("deliveries_per_s", r.deliveries_per_s);
    rd.get("reconnects", r.reconnects);
    rd.get("recovered", r.recovered);
    rd.get("resynced", r.resynced);
    rd.get("reconnects_failed", r.reconnects_failed);
    rd.get("acked_per_board", r.acked_per_board);
    rd.get("first_error", r.first_error);
    rd.get("interrupted", r.interrupted);
    rd.histogram("latency_us", r.latency_us);
    rd.histogram("latency_uncorrected_us", r.latency_uncorrected_us);
    rd.histogram("connect_us", r.connect_us);
    rd.histogram("subscribe_us", r.subscribe_us);
    rd.histogram("reconnect_us", r.reconnect_us);
    if (!rd.error().empty()) return make_unexpected(rd.error());
    std::string why;
    auto tally = delivery_tally::from_json(j.value("tally", json()), &why);
    if (!tally) return make_unexpected(why);
    r.tally = std::move(*tally);
    if (!j["nodes"].is_array()) return make_unexpected(std::string("nodes: expected an array"));
    for (const auto& n : j["nodes"]) {
        reader nr(n);
        node_figures f;
        nr.get("url", f.url);
        nr.get("conns_asked", f.conns_asked);
        nr.get("conns_subscribed", f.conns_subscribed);
        nr.get("sent", f.sent);
        nr.get("acked", f.acked);
        nr.histogram("latency_us", f.latency_us);
        if (!nr.error().empty()) return make_unexpected("nodes: " + nr.error());
        r.nodes.push_back(std::move(f));
    }
    r.series = series_from_json(j.value("series", json()), rd);
    if (const json& s = j.value("server", json()); s.is_object()) {
        reader sr(s);
        server_counters c;
        sr.get("events_dropped", c.events_dropped);
        sr.get("slow_disconnects", c.slow_disconnects);
        sr.get("rate_limited", c.rate_limited);
        if (!sr.error().empty()) return make_unexpected("server: " + sr.error());
        r.server = c;
    }
    if (!rd.error().empty()) return make_unexpected(rd.error());
    return r;
}

loadgen_report merge_worker_reports(const loadgen_config& config, const std::vector<worker_part>& parts) {
    loadgen_report m;
    set_run_settings(m, config);
    m.conns_asked = 0;
    m.publishers = 0;
    m.source_ips = 0;
    for (const auto& url : config.urls) {
        m.nodes.emplace_back();
        m.nodes.back().url = url;
    }
    for (const auto& part : parts) {
        const loadgen_report& r = part.report;
        m.worker_list.push_back({part.index, part.pid, r.conns_asked, r.conns_subscribed, r.delivered, r.first_error});
        m.conns_asked += r.conns_asked;
        m.publishers += r.publishers;
        m.source_ips += static_cast<std::uint32_t>(r.source_addresses.size());
        m.source_addresses.insert(m.source_addresses.end(), r.source_addresses.begin(), r.source_addresses.end());
        m.conns_opened += r.conns_opened;
        m.conns_subscribed += r.conns_subscribed;
        m.conns_failed += r.conns_failed;
        m.conns_dropped += r.conns_dropped;
        m.scheduled += r.scheduled;
        m.sent += r.sent;
        m.acked += r.acked;
        m.publish_errors += r.publish_errors;
        m.late += r.late;
        m.max_lag_us = std::max(m.max_lag_us, r.max_lag_us);
        m.publish_seconds = std::max(m.publish_seconds, r.publish_seconds);
        if (r.publishers > 0) m.publish_start_s = r.publish_start_s;
        m.unparsed += r.unparsed;
        m.deliveries_per_s += r.deliveries_per_s;
        m.reconnects += r.reconnects;
        m.recovered += r.recovered;
        m.resynced += r.resynced;
        m.reconnects_failed += r.reconnects_failed;
        m.tally.merge(r.tally);
        // Every worker was measured against the same sums (the `published` barrier); the largest
        // covers a worker that left before it.
        if (m.acked_per_board.size() < r.acked_per_board.size()) m.acked_per_board.resize(r.acked_per_board.size(), 0);
        for (std::size_t b = 0; b < r.acked_per_board.size(); ++b)
            m.acked_per_board[b] = std::max(m.acked_per_board[b], r.acked_per_board[b]);
        m.latency_us.merge(r.latency_us);
        m.latency_uncorrected_us.merge(r.latency_uncorrected_us);
        m.connect_us.merge(r.connect_us);
        m.subscribe_us.merge(r.subscribe_us);
        m.reconnect_us.merge(r.reconnect_us);
        for (std::size_t n = 0; n < r.nodes.size() && n < m.nodes.size(); ++n) {
            node_figures& into = m.nodes[n];
            into.conns_asked += r.nodes[n].conns_asked;
            into.conns_subscribed += r.nodes[n].conns_subscribed;
            into.sent += r.nodes[n].sent;
            into.acked += r.nodes[n].acked;
            into.latency_us.merge(r.nodes[n].latency_us);
        }
        if (m.series.size() < r.series.size()) m.series.resize(r.series.size());
        for (std::size_t i = 0; i < r.series.size(); ++i) add_point(m.series[i], r.series[i]);
        if (r.server) {
            server_counters c = m.server.value_or(server_counters{});
            c.events_dropped += r.server->events_dropped;
            c.slow_disconnects += r.server->slow_disconnects;
            c.rate_limited += r.server->rate_limited;
            m.server = c;
        }
        if (m.first_error.empty() && !r.first_error.empty())
            m.first_error = "worker " + std::to_string(part.index) + ": " + r.first_error;
        m.interrupted = m.interrupted || r.interrupted;
    }
    settle_deliveries(m);
    apply_thresholds(m, config.thresholds);
    return m;
}

}  // namespace rt::loadgen
