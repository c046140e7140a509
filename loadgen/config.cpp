#include "loadgen/config.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "client/ws_url.hpp"
#include "loadgen/churn_schedule.hpp"
#include "loadgen/source_addresses.hpp"
#include "protocol/throttle_value.hpp"
#include "protocol/units.hpp"

namespace rt::loadgen {

namespace {

std::string normalize(std::string_view name) {
    std::string n(name);
    std::replace(n.begin(), n.end(), '_', '-');
    return n;
}

// A positive-or-zero integer no larger than `max`.
result<std::uint64_t, std::string> parse_uint(std::string_view name, std::string_view s, std::uint64_t max) {
    std::uint64_t v = 0;
    bool ok = !s.empty() && s.size() <= 19;
    for (char c : s) {
        if (c < '0' || c > '9') {
            ok = false;
            break;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || v > max)
        return make_unexpected(std::string(name) + ": expected a whole number up to " + std::to_string(max) +
                               ", got '" + std::string(s) + "'");
    return v;
}

result<void, std::string> fail(std::string_view name, const std::string& why) {
    return make_unexpected(std::string(name) + ": " + why);
}

const std::vector<std::string> k_plain_names = {
    "url",     "token",      "conns",   "rate",  "duration", "warmup",         "ramp", "boards", "fanout",
    "payload", "publishers", "threads", "source-ips", "drain", "max-connecting", "seed", "json", "quiet",
    "threshold", "churn", "report", "hgrm", "spec", "subscription", "filter-attr", "filter-values", "entity", "vary",
    "mix", "publish-to", "workers", "transport", "throttle", "batch",
};

}  // namespace

const std::vector<std::string>& setting_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v = k_plain_names;
        for (const auto& t : threshold_names()) v.push_back(t);
        return v;
    }();
    return names;
}

std::string_view to_string(transport t) { return t == transport::sse ? "sse" : "websocket"; }

std::optional<transport> transport_from_name(std::string_view name) {
    if (name == "websocket") return transport::websocket;
    if (name == "sse") return transport::sse;
    return std::nullopt;
}

std::uint32_t auto_publishers(double rate_per_s) {
    double n = std::ceil(rate_per_s / max_rate_per_publisher);
    return static_cast<std::uint32_t>(std::clamp(n, 1.0, 10'000.0));
}

client::ws_options ws_options_of(const loadgen_config& config) {
    client::ws_options o;
    o.token = config.token;
    o.tls = config.tls;
    return o;
}

result<void, std::string> set_urls(loadgen_config& c, const std::vector<std::string>& urls) {
    if (urls.empty()) return make_unexpected(std::string("url: at least one is needed"));
    for (const auto& u : urls)
        if (auto parsed = client::parse_ws_url(u); !parsed) return fail("url", u + ": " + parsed.error());
    c.urls = urls;
    return {};
}

std::uint32_t node_of_stream(const loadgen_config& c, std::uint32_t board) {
    return board % static_cast<std::uint32_t>(c.urls.size());
}

std::uint32_t node_of_connection(const loadgen_config& c, std::uint32_t conn, std::uint32_t board) {
    if (c.publish_to == publish_target::same) return node_of_stream(c, board);
    // Connection conn is the (conn / streams)-th subscriber of its stream: turning the node with
    // both spreads every stream over every node and keeps the nodes' shares even.
    const std::uint32_t streams = std::max<std::uint32_t>(1, c.boards);
    return (board + conn / streams) % static_cast<std::uint32_t>(c.urls.size());
}

conn_range own_connections(const loadgen_config& c) {
    if (!c.worker) return {0, c.conns};
    const std::uint64_t n = c.conns, k = c.worker->index, w = c.worker->count;
    const auto first = static_cast<std::uint32_t>(n * k / w);
    return {first, static_cast<std::uint32_t>(n * (k + 1) / w) - first};
}

result<void, std::string> apply_setting(loadgen_config& c, std::string_view raw_name, std::string_view value) {
    const std::string name = normalize(raw_name);
    auto u32 = [&](std::uint32_t& out, std::uint64_t max) -> result<void, std::string> {
        auto v = parse_uint(name, value, max);
        if (!v) return make_unexpected(v.error());
        out = static_cast<std::uint32_t>(*v);
        return {};
    };
    auto dur = [&](std::chrono::microseconds& out) -> result<void, std::string> {
        auto d = proto::parse_duration_us(value);
        if (!d) return fail(name, d.error());
        out = *d;
        return {};
    };
    auto rate = [&](double& out) -> result<void, std::string> {
        auto r = proto::parse_rate(value);
        if (!r) return fail(name, r.error());
        out = *r;
        return {};
    };

    if (name == "url") return set_urls(c, {std::string(value)});
    if (name == "publish-to") {
        if (value == "any") c.publish_to = publish_target::any;
        else if (value == "same") c.publish_to = publish_target::same;
        else return fail(name, "expected 'any' (nodes sharing streams through a broker) or 'same' (each stream's "
                               "publishes go to the node its subscribers are on: independent nodes)");
        return {};
    }
    if (name == "workers") {
        auto r = u32(c.workers, max_workers);
        if (r && c.workers == 0) return fail(name, "at least 1 (1: no worker processes, the run in this process)");
        return r;
    }
    if (name == "token") {
        c.token = std::string(value);
        return {};
    }
    if (name == "conns") return u32(c.conns, 1'000'000);
    if (name == "transport") {
        auto t = transport_from_name(value);
        if (!t) return fail(name, "expected 'websocket' or 'sse', got '" + std::string(value) + "'");
        c.transport = *t;
        return {};
    }
    if (name == "rate") return rate(c.rate_per_s);
    if (name == "duration") return dur(c.duration_us);
    if (name == "warmup") return dur(c.warmup_us);
    if (name == "drain") return dur(c.drain_us);
    if (name == "ramp") return rate(c.ramp_per_s);
    if (name == "spec") {
        if (value.empty()) return fail(name, "expected a spec file, or 'server' (GET /api/_spec from --url's host)");
        c.spec = std::string(value);
        return {};
    }
    if (name == "subscription" || name == "filter-attr" || name == "entity" || name == "vary") {
        if (value.empty()) return fail(name, "expected a name");
        std::string& field = name == "subscription" ? c.request.subscription
                             : name == "filter-attr" ? c.request.filter_attr
                             : name == "entity"      ? c.request.entity
                                                     : c.request.vary_attr;
        field = std::string(value);
        return {};
    }
    if (name == "filter-values") {
        auto r = u32(c.request.filter_values, 1'000'000);
        if (r && c.request.filter_values == 0) return fail(name, "at least 1 (one stream per value)");
        return r;
    }
    if (name == "mix") {
        auto m = spec::parse_change_mix(value);
        if (!m) return make_unexpected(m.error());
        c.request.mix = *m;
        return {};
    }
    if (name == "boards") {
        c.mode = workload::boards;
        c.demo_keys = true;
        return u32(c.boards, 1'000'000);
    }
    if (name == "fanout") {
        c.demo_keys = true;
        if (value == "all") c.mode = workload::broadcast;
        else if (value == "boards") c.mode = workload::boards;
        else return fail(name, "expected 'all' (one stream, every event to every connection) or 'boards'");
        return {};
    }
    if (name == "payload") {
        auto s = proto::parse_size(value);
        if (!s) return fail(name, s.error());
        if (*s > 60 * 1024) return fail(name, "at most 60KiB (the server's frame limit is 64KiB)");
        c.payload_bytes = *s;
        return {};
    }
    if (name == "publishers") return u32(c.publishers, 10'000);
    if (name == "threads") return u32(c.threads, 64);
    if (name == "source-ips") return u32(c.source_ips, 254);
    if (name == "max-connecting") return u32(c.max_connecting, 100'000);
    if (name == "seed") {
        auto v = parse_uint(name, value, std::numeric_limits<std::uint64_t>::max() / 10);
        if (!v) return make_unexpected(v.error());
        c.seed = *v;
        return {};
    }
    if (name == "churn") {
        auto r = parse_churn(value);
        if (!r) return fail(name, r.error());
        c.churn_share_per_s = *r;
        return {};
    }
    if (name == "json") {
        c.json_path = std::string(value);
        return {};
    }
    if (name == "report") {
        c.report_path = std::string(value);
        return {};
    }
    if (name == "hgrm") {
        c.hgrm_path = std::string(value);
        return {};
    }
    if (name == "throttle") {
        auto ms = proto::parse_throttle(value);
        if (!ms) return fail(name, ms.error());
        c.throttle_ms = *ms;
        return {};
    }
    if (name == "batch") {
        if (value == "true" || value == "1") c.batch = true;
        else if (value == "false" || value == "0") c.batch = false;
        else return fail(name, "expected true or false");
        return {};
    }
    if (name == "quiet") {
        if (value == "true" || value == "1") c.quiet = true;
        else if (value == "false" || value == "0") c.quiet = false;
        else return fail(name, "expected true or false");
        return {};
    }
    if (name == "threshold") {  // NAME=VALUE, for thresholds without a flag of their own
        auto eq = value.find('=');
        if (eq == std::string_view::npos) return fail(name, "expected NAME=VALUE, e.g. max-p99=100ms");
        return c.thresholds.set(value.substr(0, eq), value.substr(eq + 1));
    }
    if (threshold_from_name(name)) return c.thresholds.set(name, value);

    std::string all;
    for (const auto& n : setting_names()) all += (all.empty() ? "" : ", ") + n;
    return make_unexpected("unknown setting '" + std::string(raw_name) + "' (known: " + all + ")");
}

result<void, std::string> check_streams_cover_nodes(const loadgen_config& c) {
    const auto nodes = static_cast<std::uint32_t>(c.urls.size());
    if (nodes > 1 && c.publish_to == publish_target::same && c.boards < nodes)
        return make_unexpected("publish-to same: " + std::to_string(c.boards) + " stream" +
                               (c.boards == 1 ? "" : "s") + " cannot cover " + std::to_string(nodes) +
                               " nodes (each stream lives on one node); use more streams, or nodes that share "
                               "streams (rt serve --broker) with --publish-to any");
    return {};
}

result<void, std::string> finalize(loadgen_config& c) {
    if (c.conns == 0) return make_unexpected("conns: at least 1 connection is needed");
    if (!(c.rate_per_s > 0)) return make_unexpected("rate: must be above 0/s");
    if (c.rate_per_s > 1'000'000) return make_unexpected("rate: at most 1000000/s");
    if (!(c.ramp_per_s > 0)) return make_unexpected("ramp: must be above 0/s");
    if (c.duration_us.count() <= 0) return make_unexpected("duration: must be above 0");
    if (c.threads == 0) return make_unexpected("threads: at least 1");
    if (c.batch && !c.throttle_ms) return make_unexpected("batch: needs throttle (a window to batch), e.g. --throttle 100ms");
    if (c.batch && c.transport == transport::sse)
        return make_unexpected("batch: SSE has no batched form; use --transport websocket, or throttle alone");
    if (c.max_connecting == 0) return make_unexpected("max-connecting: at least 1");
    const bool spec_keys = !c.request.subscription.empty() || !c.request.filter_attr.empty() ||
                           c.request.filter_values || !c.request.entity.empty() || !c.request.vary_attr.empty() ||
                           c.request.mix;
    if (c.spec.empty() && spec_keys)
        return make_unexpected("subscription, filter-attr, filter-values, entity, vary and mix need spec (a spec file, "
                               "or 'server'); without it the workload is the kanban demo's (boards, fanout)");
    if (!c.spec.empty() && c.demo_keys)
        return make_unexpected("boards and fanout are the kanban demo's settings; with spec use filter-values N and "
                               "filter-attr none");
    if (!c.spec.empty()) {
        c.boards = 0;  // resolve_workload sets it to the plan's number of streams
    } else if (c.mode == workload::boards) {
        if (c.boards == 0) c.boards = std::max<std::uint32_t>(1, c.conns / 10);
    } else {
        c.boards = 1;
    }
    const auto nodes = static_cast<std::uint32_t>(c.urls.size());
    // Every node gets a publisher connection of its own: with `same`, each stream's publishes
    // must reach its node; with `any`, spreading them is the point.
    if (c.publishers == 0) c.publishers = std::max(auto_publishers(c.rate_per_s), nodes);
    if (c.publishers < nodes)
        return make_unexpected("publishers: at least one per node (" + std::to_string(nodes) + " --url given)");
    if (c.workers > 1 && c.conns < c.workers)
        return make_unexpected("workers: " + std::to_string(c.workers) + " processes need at least as many conns");
    if (c.boards != 0)  // with spec, resolve_workload checks once it knows the streams
        if (auto r = check_streams_cover_nodes(c); !r) return r;
    // A worker's share decides its addresses: one 127.A.B.x per 20,000 of its own connections.
    const std::uint32_t per_process = (c.conns + c.workers - 1) / c.workers;
    if (c.source_ips == 0) c.source_ips = (per_process + conns_per_source_ip - 1) / conns_per_source_ip;
    if (c.source_ips > 1)
        for (const auto& url : c.urls)
            if (auto u = client::parse_ws_url(url); u && !is_loopback_ipv4(u->host))
                return make_unexpected("source-ips: spreading over 127.A.B.x needs loopback --url targets (127.x.x.x), "
                                       "not " + url);
    // Fewer connections than asked is a failure unless the user says how many are enough.
    if (!c.thresholds.has(threshold_kind::min_conns)) {
        auto r = c.thresholds.set("min-conns", std::to_string(c.conns));
        if (!r) return r;
    }
    return {};
}

}  // namespace rt::loadgen
