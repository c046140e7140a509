#include "server/server_config.hpp"

#include <cstdlib>

#include "protocol/broker_url.hpp"
#include "protocol/host_port.hpp"
#include "server/origin_policy.hpp"

namespace rt::server {


std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        auto b = cur.find_first_not_of(" \t");
        auto e = cur.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
        cur.clear();
    };
    for (char c : text) {
        if (c == ',') flush();
        else cur.push_back(c);
    }
    flush();
    return out;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

result<listen_spec, std::string> parse_listen(const std::string& text) {
    auto hp = proto::parse_host_port(text);
    if (!hp)
        return make_unexpected("--listen '" + text + "': " + hp.error() +
                               " (expected HOST:PORT, e.g. 127.0.0.1:8080; port 0 picks a free port)");
    return listen_spec{hp->host.empty() ? std::string("127.0.0.1") : hp->host, hp->port};
}

result<void, std::string> validate(const server_config& cfg) {
    if (cfg.spec_path.empty()) return make_unexpected(std::string("--spec is required"));
    if (cfg.tls_cert_path.empty() != cfg.tls_key_path.empty())
        return make_unexpected(std::string(cfg.tls_cert_path.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key"));
    if (!is_loopback(cfg.listen_host) && !cfg.auth_enabled() && !cfg.insecure)
        return make_unexpected("listening on " + cfg.listen_host +
                               " needs --tokens FILE or a JWT key (or --insecure): without tokens anyone could connect");
    if (cfg.jwt.rules.leeway_ms < 0 || cfg.jwt.rules.leeway_ms > 3600 * 1000)
        return make_unexpected(std::string("--jwt-leeway must be 0s-1h"));
    if (cfg.threads < 1 || cfg.threads > 64) return make_unexpected(std::string("--threads must be 1-64"));
    if (cfg.decode.max_message_bytes < 256) return make_unexpected(std::string("--max-frame must be at least 256B"));
    if (cfg.hub.max_subscriptions < 1) return make_unexpected(std::string("--max-subscriptions must be at least 1"));
    if (cfg.rate_per_s <= 0) return make_unexpected(std::string("--rate-limit must be positive"));
    if (cfg.hub.replay.max_events < 1) return make_unexpected(std::string("--replay-events must be at least 1"));
    if (cfg.hub.max_filter_bytes < 2) return make_unexpected(std::string("--max-filter must be at least 2B (the empty filter {})"));
    if (cfg.hub.max_presence_resources < 1) return make_unexpected(std::string("--max-presence-resources must be at least 1"));
    if (cfg.hub.max_presence_meta_bytes < 2) return make_unexpected(std::string("--max-presence-meta must be at least 2B (the empty meta {})"));
    if (cfg.hub.max_presence_users < 1) return make_unexpected(std::string("--max-presence-users must be at least 1"));
    if (cfg.output.hard_bytes < cfg.output.soft_bytes)
        return make_unexpected(std::string("--slow-hard must be at least --slow-soft"));
    if (cfg.pong_timeout >= cfg.ping_interval)
        return make_unexpected(std::string("--pong-timeout must be shorter than --ping-interval (each ping restarts the pong timer)"));
    if (cfg.ws_path.empty() || cfg.ws_path[0] != '/') return make_unexpected(std::string("--path must start with '/'"));
    if (auto o = origin_policy::parse(cfg.allowed_origins); !o) return make_unexpected(o.error());
    if (!cfg.broker_url.empty()) {
        if (cfg.watch_spec)
            return make_unexpected(std::string("--watch is not supported with --broker yet: every node must serve the same "
                                               "spec, so restart the nodes with the new one (see docs/operations.md, \"Live spec reload\")"));
        if (auto u = proto::parse_broker_url(cfg.broker_url); !u) return make_unexpected("--broker " + u.error());
        if (cfg.broker_timeout < std::chrono::milliseconds(300) || cfg.broker_timeout > std::chrono::minutes(1))
            return make_unexpected(std::string("--broker-timeout must be 300ms-1m"));
        if (cfg.db_path != ":memory:")
            return make_unexpected(std::string("--broker and --db exclude each other: with a broker the rows and the "
                                               "history live in Redis (see docs/operations.md, \"Several nodes\")"));
    }
    return {};
}

}  // namespace rt::server
