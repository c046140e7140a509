#include "loadgen/worker_report.hpp"

#include <algorithm>
#include <type_traits>

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

// Every field a worker sends, named once per struct: a table is a function object that calls
// f(key, member pointer, rule) per field, in the order from_worker_json reads them (the first
// missing or ill-typed one is the error). The rule says how merge_worker_reports combines the
// workers' values; histograms cross as raw buckets and add up.
struct field_sum {};  // adds up
struct field_max {};  // the largest
struct field_own {};  // combined by hand where the struct is merged (its rule is written there)

struct report_fields {
    template <typename F>
    void operator()(F&& f) const {
        f("conns_asked", &loadgen_report::conns_asked, field_sum{});
        f("publishers", &loadgen_report::publishers, field_sum{});
        f("source_addresses", &loadgen_report::source_addresses, field_own{});
        f("conns_opened", &loadgen_report::conns_opened, field_sum{});
        f("conns_subscribed", &loadgen_report::conns_subscribed, field_sum{});
        f("conns_failed", &loadgen_report::conns_failed, field_sum{});
        f("conns_dropped", &loadgen_report::conns_dropped, field_sum{});
        f("scheduled", &loadgen_report::scheduled, field_sum{});
        f("sent", &loadgen_report::sent, field_sum{});
        f("acked", &loadgen_report::acked, field_sum{});
        f("publish_errors", &loadgen_report::publish_errors, field_sum{});
        f("late", &loadgen_report::late, field_sum{});
        f("max_lag_us", &loadgen_report::max_lag_us, field_max{});
        f("publish_seconds", &loadgen_report::publish_seconds, field_max{});
        f("publish_start_s", &loadgen_report::publish_start_s, field_own{});
        f("unparsed", &loadgen_report::unparsed, field_sum{});
        f("deliveries_per_s", &loadgen_report::deliveries_per_s, field_sum{});
        f("reconnects", &loadgen_report::reconnects, field_sum{});
        f("recovered", &loadgen_report::recovered, field_sum{});
        f("resynced", &loadgen_report::resynced, field_sum{});
        f("reconnects_failed", &loadgen_report::reconnects_failed, field_sum{});
        f("acked_per_board", &loadgen_report::acked_per_board, field_own{});
        f("first_error", &loadgen_report::first_error, field_own{});
        f("interrupted", &loadgen_report::interrupted, field_own{});
        f("latency_us", &loadgen_report::latency_us, field_sum{});
        f("latency_uncorrected_us", &loadgen_report::latency_uncorrected_us, field_sum{});
        f("connect_us", &loadgen_report::connect_us, field_sum{});
        f("subscribe_us", &loadgen_report::subscribe_us, field_sum{});
        f("reconnect_us", &loadgen_report::reconnect_us, field_sum{});
    }
};

struct node_fields {
    template <typename F>
    void operator()(F&& f) const {
        f("url", &node_figures::url, field_own{});  // the merged report's: the parent's --url list
        f("conns_asked", &node_figures::conns_asked, field_sum{});
        f("conns_subscribed", &node_figures::conns_subscribed, field_sum{});
        f("sent", &node_figures::sent, field_sum{});
        f("acked", &node_figures::acked, field_sum{});
        f("latency_us", &node_figures::latency_us, field_sum{});
    }
};

struct server_fields {
    template <typename F>
    void operator()(F&& f) const {
        f("events_dropped", &server_counters::events_dropped, field_sum{});
        f("slow_disconnects", &server_counters::slow_disconnects, field_sum{});
        f("rate_limited", &server_counters::rate_limited, field_sum{});
    }
};

// A series point: the same second of every worker. Its percentiles are the highest worker's (a
// point holds no histogram).
struct series_fields {
    template <typename F>
    void operator()(F&& f) const {
        f("t_s", &series_point::t_s, field_own{});  // t_s, interval_s, phase: the first worker's
        f("interval_s", &series_point::interval_s, field_own{});
        f("phase", &series_point::phase, field_own{});
        f("latency_count", &series_point::latency_count, field_sum{});
        f("p50_us", &series_point::p50_us, field_max{});
        f("p99_us", &series_point::p99_us, field_max{});
        f("max_us", &series_point::max_us, field_max{});
        f("conns_open", &series_point::conns_open, field_sum{});
        f("deliveries_per_s", &series_point::deliveries_per_s, field_sum{});
        f("publishes_per_s", &series_point::publishes_per_s, field_sum{});
        f("errors", &series_point::errors, field_sum{});
    }
};

template <typename V>
constexpr bool is_histogram_v = std::is_same_v<std::decay_t<V>, proto::latency_histogram>;

// `v`'s fields as a JSON object.
template <typename T, typename Fields>
json fields_to_json(const T& v, Fields fields) {
    json out = json::object();
    fields([&](const char* key, auto member, auto) {
        if constexpr (is_histogram_v<decltype(v.*member)>) out[key] = (v.*member).to_buckets_json();
        else out[key] = v.*member;
    });
    return out;
}

// Reads `v`'s fields; the first that fails is rd's error.
template <typename T, typename Fields>
void read_fields(reader& rd, T& v, Fields fields) {
    fields([&](const char* key, auto member, auto) {
        if constexpr (is_histogram_v<decltype(v.*member)>) rd.histogram(key, v.*member);
        else rd.get(key, v.*member);
    });
}

// Adds `from` into `into` by each field's rule (field_own ones are left to the caller).
template <typename T, typename Fields>
void add_fields(T& into, const T& from, Fields fields) {
    fields([&](const char*, auto member, auto rule) {
        using rule_t = decltype(rule);
        if constexpr (std::is_same_v<rule_t, field_sum> && is_histogram_v<decltype(into.*member)>)
            (into.*member).merge(from.*member);
        else if constexpr (std::is_same_v<rule_t, field_sum>)
            into.*member += from.*member;
        else if constexpr (std::is_same_v<rule_t, field_max>)
            into.*member = std::max(into.*member, from.*member);
    });
}

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
        read_fields(r, s, series_fields{});
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
    add_fields(into, p, series_fields{});
}

}  // namespace

json to_worker_json(const loadgen_report& r) {
    json out = fields_to_json(r, report_fields{});
    out["nodes"] = json::array();
    for (const auto& n : r.nodes) out["nodes"].push_back(fields_to_json(n, node_fields{}));
    out["server"] = r.server ? fields_to_json(*r.server, server_fields{}) : json(nullptr);
    out["tally"] = r.tally.to_json();
    out["series"] = series_to_json(r.series);
    return out;
}

result<loadgen_report, std::string> from_worker_json(const json& j) {
    loadgen_report r;
    reader rd(j);
    read_fields(rd, r, report_fields{});
    if (!rd.error().empty()) return make_unexpected(rd.error());
    std::string why;
    auto tally = delivery_tally::from_json(j.value("tally", json()), &why);
    if (!tally) return make_unexpected(why);
    r.tally = std::move(*tally);
    if (!j["nodes"].is_array()) return make_unexpected(std::string("nodes: expected an array"));
    for (const auto& n : j["nodes"]) {
        reader nr(n);
        node_figures f;
        read_fields(nr, f, node_fields{});
        if (!nr.error().empty()) return make_unexpected("nodes: " + nr.error());
        r.nodes.push_back(std::move(f));
    }
    r.series = series_from_json(j.value("series", json()), rd);
    if (const json& s = j.value("server", json()); s.is_object()) {
        reader sr(s);
        server_counters c;
        read_fields(sr, c, server_fields{});
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
        add_fields(m, r, report_fields{});
        m.source_ips += static_cast<std::uint32_t>(r.source_addresses.size());
        m.source_addresses.insert(m.source_addresses.end(), r.source_addresses.begin(), r.source_addresses.end());
        if (r.publishers > 0) m.publish_start_s = r.publish_start_s;
        m.tally.merge(r.tally);
        // Every worker was measured against the same sums (the `published` barrier); the largest
        // covers a worker that left before it.
        if (m.acked_per_board.size() < r.acked_per_board.size()) m.acked_per_board.resize(r.acked_per_board.size(), 0);
        for (std::size_t b = 0; b < r.acked_per_board.size(); ++b)
            m.acked_per_board[b] = std::max(m.acked_per_board[b], r.acked_per_board[b]);
        for (std::size_t n = 0; n < r.nodes.size() && n < m.nodes.size(); ++n)
            add_fields(m.nodes[n], r.nodes[n], node_fields{});
        if (m.series.size() < r.series.size()) m.series.resize(r.series.size());
        for (std::size_t i = 0; i < r.series.size(); ++i) add_point(m.series[i], r.series[i]);
        if (r.server) {
            server_counters c = m.server.value_or(server_counters{});
            add_fields(c, *r.server, server_fields{});
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
