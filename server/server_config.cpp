#include "server/server_config.hpp"

#include <sstream>

#include <toml++/toml.h>

#include "protocol/units.hpp"
#include "server/origin_policy.hpp"

namespace rt::server {

namespace {

std::string at(const std::string& path, const toml::node& n, const std::string& key) {
    std::ostringstream os;
    os << path << ":" << n.source().begin.line << ":" << n.source().begin.column << ": '" << key << "'";
    return os.str();
}

// Durations and sizes may be written as strings ("5s", "1MiB") or plain numbers (ms, bytes).
result<bool, std::string> read_duration(const toml::node& n, const std::string& where, std::chrono::milliseconds& out) {
    if (auto i = n.value<std::int64_t>(); i && n.is_integer()) { out = std::chrono::milliseconds(*i); return true; }
    if (auto s = n.value<std::string>()) {
        auto d = proto::parse_duration(*s);
        if (!d) return make_unexpected(where + ": " + d.error());
        out = *d;
        return true;
    }
    return make_unexpected(where + " must be a duration like \"5s\" or a number of milliseconds");
}

result<bool, std::string> read_size(const toml::node& n, const std::string& where, std::uint64_t& out) {
    if (auto i = n.value<std::int64_t>(); i && n.is_integer() && *i >= 0) { out = static_cast<std::uint64_t>(*i); return true; }
    if (auto s = n.value<std::string>()) {
        auto d = proto::parse_size(*s);
        if (!d) return make_unexpected(where + ": " + d.error());
        out = *d;
        return true;
    }
    return make_unexpected(where + " must be a size like \"64KiB\" or a number of bytes");
}

}  // namespace

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

result<bool, std::string> parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return make_unexpected("--listen '" + text + "': expected HOST:PORT, e.g. 127.0.0.1:8080");
    std::string h = text.substr(0, colon);
    std::string p = text.substr(colon + 1);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (h.empty()) h = "127.0.0.1";
    char* end = nullptr;
    long v = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || v < 0 || v > 65535)
        return make_unexpected("--listen '" + text + "': port must be a number 0-65535 (0 picks a free port)");
    host = h;
    port = static_cast<std::uint16_t>(v);
    return true;
}

result<bool, std::string> validate(const server_config& cfg) {
    if (cfg.spec_path.empty()) return make_unexpected(std::string("--spec is required"));
    if (!is_loopback(cfg.listen_host) && cfg.tokens_path.empty() && !cfg.insecure)
        return make_unexpected("listening on " + cfg.listen_host +
                               " needs --tokens FILE (or --insecure): without tokens anyone could connect");
    if (cfg.threads < 1 || cfg.threads > 64) return make_unexpected(std::string("--threads must be 1-64"));
    if (cfg.max_frame_bytes < 256) return make_unexpected(std::string("--max-frame must be at least 256B"));
    if (cfg.max_subscriptions < 1) return make_unexpected(std::string("--max-subscriptions must be at least 1"));
    if (cfg.rate_per_s <= 0) return make_unexpected(std::string("--rate-limit must be positive"));
    if (cfg.replay_max_events < 1) return make_unexpected(std::string("--replay-events must be at least 1"));
    if (cfg.max_filter_bytes < 2) return make_unexpected(std::string("--max-filter must be at least 2B (the empty filter {})"));
    if (cfg.max_presence_resources < 1) return make_unexpected(std::string("--max-presence-resources must be at least 1"));
    if (cfg.max_presence_meta_bytes < 2) return make_unexpected(std::string("--max-presence-meta must be at least 2B (the empty meta {})"));
    if (cfg.max_presence_users < 1) return make_unexpected(std::string("--max-presence-users must be at least 1"));
    if (cfg.slow_hard_bytes < cfg.slow_soft_bytes)
        return make_unexpected(std::string("--slow-hard must be at least --slow-soft"));
    if (cfg.pong_timeout >= cfg.ping_interval)
        return make_unexpected(std::string("--pong-timeout must be shorter than --ping-interval (each ping restarts the pong timer)"));
    if (cfg.ws_path.empty() || cfg.ws_path[0] != '/') return make_unexpected(std::string("--path must start with '/'"));
    if (auto o = origin_policy::parse(cfg.allowed_origins); !o) return make_unexpected(o.error());
    return true;
}

result<bool, std::string> apply_config_file(server_config& cfg, const std::string& path) {
    toml::table parsed;
    try {  // toml++ is built with exceptions here; start-up only
        parsed = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        return make_unexpected(os.str());
    }
    for (const auto& kv : parsed) {
        const toml::node& node = kv.second;
        std::string key(kv.first.str());
        std::string where = at(path, node, key);
        auto str = [&](std::string& out) -> result<bool, std::string> {
            auto s = node.value<std::string>();
            if (!s || !node.is_string()) return make_unexpected(where + " must be a string");
            out = *s;
            return true;
        };
        auto integer = [&](auto& out, long long lo, long long hi) -> result<bool, std::string> {
            auto i = node.value<std::int64_t>();
            if (!i || !node.is_integer() || *i < lo || *i > hi)
                return make_unexpected(where + " must be an integer " + std::to_string(lo) + "-" + std::to_string(hi));
            out = static_cast<std::decay_t<decltype(out)>>(*i);
            return true;
        };
        auto number = [&](double& out) -> result<bool, std::string> {
            auto d = node.value<double>();
            if (!d || !(node.is_integer() || node.is_floating_point())) return make_unexpected(where + " must be a number");
            out = *d;
            return true;
        };
        result<bool, std::string> r = true;
        if (key == "spec") r = str(cfg.spec_path);
        else if (key == "listen") {
            std::string v;
            r = str(v);
            if (r) r = parse_listen(v, cfg.listen_host, cfg.listen_port);
        } else if (key == "path") r = str(cfg.ws_path);
        else if (key == "db") r = str(cfg.db_path);
        else if (key == "tokens") r = str(cfg.tokens_path);
        else if (key == "insecure") {
            auto b = node.value<bool>();
            if (!b || !node.is_boolean()) r = make_unexpected(where + " must be true or false");
            else cfg.insecure = *b;
        } else if (key == "allowed_origins") {
            // A list of patterns, or one string of comma-separated patterns like the flag.
            cfg.allowed_origins.clear();
            if (const toml::array* a = node.as_array()) {
                for (const auto& e : *a) {
                    auto s = e.value<std::string>();
                    if (!s || !e.is_string()) { r = make_unexpected(where + " must be a list of strings"); break; }
                    cfg.allowed_origins.push_back(*s);
                }
            } else {
                std::string v;
                r = str(v);
                if (r) cfg.allowed_origins = split_list(v);
            }
        } else if (key == "log_level") r = str(cfg.log_level);
        else if (key == "threads") r = integer(cfg.threads, 1, 64);
        else if (key == "ping_interval") r = read_duration(node, where, cfg.ping_interval);
        else if (key == "pong_timeout") r = read_duration(node, where, cfg.pong_timeout);
        else if (key == "max_frame") r = read_size(node, where, cfg.max_frame_bytes);
        else if (key == "max_subscriptions") r = integer(cfg.max_subscriptions, 1, 100000);
        else if (key == "rate_limit") r = number(cfg.rate_per_s);
        else if (key == "rate_burst") r = number(cfg.rate_burst);
        else if (key == "abuse_close_after") r = integer(cfg.abuse_close_after, 1, 1000000);
        else if (key == "replay_events") r = integer(cfg.replay_max_events, 1, 1000000);
        else if (key == "replay_age") r = read_duration(node, where, cfg.replay_max_age);
        else if (key == "slow_soft") r = read_size(node, where, cfg.slow_soft_bytes);
        else if (key == "slow_hard") r = read_size(node, where, cfg.slow_hard_bytes);
        else if (key == "slow_grace") r = read_duration(node, where, cfg.slow_grace);
        else if (key == "abuse_decay") r = read_duration(node, where, cfg.abuse_decay);
        else if (key == "socket_send_buffer") r = read_size(node, where, cfg.socket_send_buffer_bytes);
        else if (key == "presence_timeout") r = read_duration(node, where, cfg.presence_timeout);
        else if (key == "max_filter") r = read_size(node, where, cfg.max_filter_bytes);
        else if (key == "max_idle_streams") r = integer(cfg.max_idle_streams, 0, 10000000);
        else if (key == "max_idle_stream_memory") r = read_size(node, where, cfg.max_idle_stream_bytes);
        else if (key == "max_presence_resources") r = integer(cfg.max_presence_resources, 1, 100000);
        else if (key == "max_presence_meta") r = read_size(node, where, cfg.max_presence_meta_bytes);
        else if (key == "max_presence_users") r = integer(cfg.max_presence_users, 1, 1000000);
        else
            r = make_unexpected(where + " is not a setting (expected spec, listen, path, db, tokens, insecure, allowed_origins, "
                                        "log_level, threads, ping_interval, pong_timeout, max_frame, "
                                        "max_subscriptions, rate_limit, rate_burst, abuse_close_after, abuse_decay, "
                                        "replay_events, replay_age, slow_soft, slow_hard, slow_grace, socket_send_buffer, presence_timeout, "
                                        "max_filter, max_idle_streams, max_idle_stream_memory, max_presence_resources, "
                                        "max_presence_meta, max_presence_users)");
        if (!r) return r;
    }
    return true;
}

}  // namespace rt::server
