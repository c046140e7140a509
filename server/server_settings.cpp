#include "server/server_settings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <type_traits>

#include "protocol/close_codes.hpp"
#include "protocol/units.hpp"

namespace rt::server {

namespace {

using applied = result<void, std::string>;

applied must_be(const std::string& where, const std::string& what) { return make_unexpected(where + " must be " + what); }

const std::string* text_of(const setting_input& in) { return std::get_if<std::string>(&in.value); }

// The default as --help shows it: "20s", "64KiB", "100" (durations: proto::format_duration).
std::string show_size(std::uint64_t b) {
    if (b != 0 && b % (1 << 20) == 0) return std::to_string(b >> 20) + "MiB";
    if (b != 0 && b % 1024 == 0) return std::to_string(b >> 10) + "KiB";
    return std::to_string(b) + "B";
}
std::string show_number(double v) {
    if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    std::ostringstream os;
    os << v;
    return os.str();
}

// server_config{}: where --help reads the defaults from.
const server_config& defaults() {
    static const server_config d;
    return d;
}

// A row whose --help line ends with the default read from server_config{} ("" shows none).
server_setting row(std::string name, std::string arg, std::string help, const std::string& shown_default) {
    server_setting s;
    s.name = std::move(name);
    s.arg = std::move(arg);
    s.help = shown_default.empty() ? std::move(help) : help + " [" + shown_default + "]";
    return s;
}

// The row kinds. `field` is a lambda `(auto& cfg) -> auto&` naming the member, for a const config
// (the default) and a mutable one alike.

template <class Field>
server_setting text(std::string name, std::string help, Field field, bool show_default = true) {
    server_setting s = row(std::move(name), "TEXT", std::move(help), show_default ? field(defaults()) : "");
    s.apply = [field](server_config& c, const std::string& where, const setting_input& in) -> applied {
        auto t = text_of(in);
        if (!t) return must_be(where, "a string");
        field(c) = *t;
        return {};
    };
    return s;
}

template <class Field>
server_setting on_off(std::string name, std::string help, Field field) {
    server_setting s = row(std::move(name), "", std::move(help), "");
    s.apply = [field](server_config& c, const std::string& where, const setting_input& in) -> applied {
        auto b = std::get_if<bool>(&in.value);
        if (!b) return must_be(where, "true or false");
        field(c) = *b;
        return {};
    };
    return s;
}

// A whole number in [lo, hi], for flags and the config file alike.
template <class Field>
server_setting integer(std::string name, std::string arg, std::string help, std::int64_t lo, std::int64_t hi, Field field) {
    server_setting s = row(std::move(name), std::move(arg), std::move(help), std::to_string(field(defaults())));
    s.apply = [field, lo, hi](server_config& c, const std::string& where, const setting_input& in) -> applied {
        std::optional<std::int64_t> v;
        if (auto i = std::get_if<std::int64_t>(&in.value)) v = *i;
        else if (auto t = text_of(in); t && in.from_flag && !t->empty()) {
            char* end = nullptr;
            errno = 0;
            long long parsed = std::strtoll(t->c_str(), &end, 10);
            if (*end == '\0' && errno == 0) v = parsed;
        }
        if (!v || *v < lo || *v > hi) return must_be(where, "an integer " + std::to_string(lo) + "-" + std::to_string(hi));
        field(c) = static_cast<std::decay_t<decltype(field(c))>>(*v);
        return {};
    };
    return s;
}

template <class Field>
server_setting number(std::string name, std::string help, Field field) {
    server_setting s = row(std::move(name), "FLOAT", std::move(help), show_number(field(defaults())));
    s.apply = [field](server_config& c, const std::string& where, const setting_input& in) -> applied {
        std::optional<double> v;
        if (auto i = std::get_if<std::int64_t>(&in.value)) v = static_cast<double>(*i);
        else if (auto d = std::get_if<double>(&in.value)) v = *d;
        else if (auto t = text_of(in); t && in.from_flag && !t->empty()) {
            char* end = nullptr;
            double parsed = std::strtod(t->c_str(), &end);
            if (*end == '\0') v = parsed;
        }
        if (!v) return must_be(where, "a number");
        field(c) = *v;
        return {};
    };
    return s;
}

// A duration: "5s" (flag or TOML string), or a TOML integer of milliseconds. The member is a
// std::chrono::milliseconds or an integer count of milliseconds.
template <class Field>
server_setting duration(std::string name, std::string help, Field field) {
    using member = std::decay_t<decltype(field(std::declval<server_config&>()))>;
    auto to_ms = [](const member& m) {
        if constexpr (std::is_same_v<member, std::chrono::milliseconds>) return m;
        else return std::chrono::milliseconds(m);
    };
    server_setting s = row(std::move(name), "TEXT", std::move(help), proto::format_duration(to_ms(field(defaults()))));
    s.apply = [field](server_config& c, const std::string& where, const setting_input& in) -> applied {
        std::chrono::milliseconds v{};
        if (auto i = std::get_if<std::int64_t>(&in.value)) v = std::chrono::milliseconds(*i);
        else if (auto t = text_of(in)) {
            auto d = proto::parse_duration(*t);
            if (!d) return make_unexpected(where + ": " + d.error());
            v = *d;
        } else return must_be(where, "a duration like \"5s\" or a number of milliseconds");
        if constexpr (std::is_same_v<member, std::chrono::milliseconds>) field(c) = v;
        else field(c) = static_cast<member>(v.count());
        return {};
    };
    return s;
}

// A size: "64KiB" (flag or TOML string), or a TOML integer of bytes.
template <class Field>
server_setting size(std::string name, std::string help, Field field) {
    server_setting s = row(std::move(name), "TEXT", std::move(help), show_size(field(defaults())));
    s.apply = [field](server_config& c, const std::string& where, const setting_input& in) -> applied {
        std::uint64_t v = 0;
        if (auto i = std::get_if<std::int64_t>(&in.value); i && *i >= 0) v = static_cast<std::uint64_t>(*i);
        else if (auto t = text_of(in)) {
            auto b = proto::parse_size(*t);
            if (!b) return make_unexpected(where + ": " + b.error());
            v = *b;
        } else return must_be(where, "a size like \"64KiB\" or a number of bytes");
        field(c) = static_cast<std::decay_t<decltype(field(c))>>(v);
        return {};
    };
    return s;
}

server_setting command_only(std::string name, std::string arg, std::string help) {
    server_setting s = row(std::move(name), std::move(arg), std::move(help), "");
    s.command_only = true;
    return s;
}

server_setting listen_row() {
    const server_config& d = defaults();
    server_setting s = row("listen", "TEXT", "Address to listen on, HOST:PORT; port 0 picks a free one",
                           d.listen_host + ":" + std::to_string(d.listen_port));
    s.apply = [](server_config& c, const std::string& where, const setting_input& in) -> applied {
        auto t = text_of(in);
        if (!t) return must_be(where, "a string");
        auto at = parse_listen(*t);
        if (!at) return make_unexpected(std::move(at.error()));
        c.listen_host = at->host;
        c.listen_port = at->port;
        return {};
    };
    return s;
}

server_setting origins_row() {
    server_setting s = row("allowed-origins", "TEXT",
                           "Browser origins allowed to connect, comma-separated: https://app.example.com, http://host:*, or *; "
                           "others get 403",
                           "http://localhost:*, http://127.0.0.1:*, http://[::1]:*, the server's own");
    // A list of patterns, or one string of comma-separated patterns like the flag.
    s.apply = [](server_config& c, const std::string& where, const setting_input& in) -> applied {
        if (auto l = std::get_if<std::vector<std::string>>(&in.value)) c.allowed_origins = *l;
        else if (auto t = text_of(in)) c.allowed_origins = split_list(*t);
        else return must_be(where, "a list of strings");
        return {};
    };
    return s;
}

std::vector<server_setting> make_settings() {
    // clang-format off
    return {
        text("spec", "Spec file declaring entities, views and subscriptions", [](auto& c) -> auto& { return c.spec_path; }),
        command_only("check", "", "Validate the spec (and --tokens against it), print a summary, and exit (0 valid, 1 errors)"),
        command_only("config", "TEXT", "TOML file with any of these settings (flags win)"),
        listen_row(),
        text("path", "WebSocket endpoint path", [](auto& c) -> auto& { return c.ws_path; }),
        text("db", "SQLite database file; also makes replay history survive restarts", [](auto& c) -> auto& { return c.db_path; }),
        text("broker", "redis://HOST:PORT[/DB]: share rows, streams and presence with the other nodes of this Redis",
             [](auto& c) -> auto& { return c.broker_url; }, false),
        duration("broker-timeout", "With --broker: Redis silent this long is down; a node silent this long is dead",
                 [](auto& c) -> auto& { return c.broker_timeout; }),
        text("tokens", "TOML tokens file (token → user and rights); without it: dev mode, loopback only",
             [](auto& c) -> auto& { return c.tokens_path; }),
        text("jwt-secret-file", "Accept JWTs signed with HS256 and the secret in this file (at least 32 bytes)",
             [](auto& c) -> auto& { return c.jwt.secret_path; }, false),
        text("jwt-public-key", "Accept JWTs signed with RS256 or ES256: this PEM public key (RSA or EC P-256)",
             [](auto& c) -> auto& { return c.jwt.public_key_path; }, false),
        duration("jwt-leeway", "Clock skew allowed on a JWT's exp, nbf and iat", [](auto& c) -> auto& { return c.jwt.rules.leeway_ms; }),
        text("jwt-audience", "Refuse JWTs whose aud does not name this audience", [](auto& c) -> auto& { return c.jwt.rules.audience; }, false),
        text("jwt-issuer", "Refuse JWTs whose iss is not this issuer", [](auto& c) -> auto& { return c.jwt.rules.issuer; }, false),
        on_off("watch", "Reload the --spec file when its content changes (polled; applied once stable for 200ms); SIGHUP reloads it too. Not with --broker",
               [](auto& c) -> auto& { return c.watch_spec; }),
        on_off("insecure", "Allow a non-loopback --listen without --tokens or a JWT key", [](auto& c) -> auto& { return c.insecure; }),
        text("tls-cert", "PEM certificate chain: serve wss:// and https:// (needs --tls-key; re-read on SIGHUP)",
             [](auto& c) -> auto& { return c.tls_cert_path; }),
        text("tls-key", "PEM private key of --tls-cert (re-read on SIGHUP)", [](auto& c) -> auto& { return c.tls_key_path; }),
        origins_row(),
        text("log-level", "debug|info|warn|error|off", [](auto& c) -> auto& { return c.log_level; }),
        integer("threads", "INT", "I/O threads", 1, 64, [](auto& c) -> auto& { return c.threads; }),
        duration("ping-interval", "WebSocket ping every DURATION", [](auto& c) -> auto& { return c.ping_interval; }),
        duration("pong-timeout", "Close a peer with no pong within DURATION", [](auto& c) -> auto& { return c.pong_timeout; }),
        size("max-frame", "Largest client frame; bigger closes with " + std::to_string(proto::close_code::message_too_big),
             [](auto& c) -> auto& { return c.decode.max_message_bytes; }),
        integer("max-subscriptions", "INT", "Subscriptions per connection", 1, 100000,
                [](auto& c) -> auto& { return c.hub.max_subscriptions; }),
        number("rate-limit", "Client messages per second per connection", [](auto& c) -> auto& { return c.rate_per_s; }),
        number("rate-burst", "Burst allowance of the rate limit", [](auto& c) -> auto& { return c.rate_burst; }),
        integer("abuse-close-after", "INT", "Rate-limit violations before close " + std::to_string(proto::close_code::policy_violation),
                1, 1000000, [](auto& c) -> auto& { return c.abuse_close_after; }),
        duration("abuse-decay", "The rate-limit violation count halves every this long", [](auto& c) -> auto& { return c.abuse_decay; }),
        integer("replay-events", "UINT", "Events kept per stream for resume", 1, 1000000,
                [](auto& c) -> auto& { return c.hub.replay.max_events; }),
        duration("replay-age", "Longest an event is kept for resume", [](auto& c) -> auto& { return c.hub.replay.max_age_ms; }),
        size("slow-soft", "Queued bytes past which a connection's events are dropped", [](auto& c) -> auto& { return c.output.soft_bytes; }),
        duration("slow-grace", "Time over --slow-soft before close " + std::to_string(proto::close_code::policy_violation),
                 [](auto& c) -> auto& { return c.output.soft_grace; }),
        size("slow-hard", "Queued bytes that close a connection at once", [](auto& c) -> auto& { return c.output.hard_bytes; }),
        size("socket-send-buffer", "Kernel send buffer per connection; 0 = kernel autotuning",
             [](auto& c) -> auto& { return c.socket_send_buffer_bytes; }),
        duration("sse-heartbeat", "SSE streams (GET /sse) get a `: ping` comment every DURATION",
                 [](auto& c) -> auto& { return c.sse_heartbeat; }),
        duration("presence-timeout", "Silence after which a presence member is removed", [](auto& c) -> auto& { return c.presence_timeout; }),
        size("max-filter", "Largest subscribe filter (its JSON); bigger is INVALID_FILTER", [](auto& c) -> auto& { return c.hub.max_filter_bytes; }),
        integer("max-idle-streams", "UINT", "Streams without subscribers kept for resume; past it the oldest idle ones go", 0, 10000000,
                [](auto& c) -> auto& { return c.hub.max_idle_streams; }),
        size("max-idle-stream-memory",
             "Memory of streams without subscribers (replay buffers included); past it the oldest idle ones go",
             [](auto& c) -> auto& { return c.hub.max_idle_stream_bytes; }),
        integer("max-presence-resources", "UINT", "Presence resources per connection", 1, 100000,
                [](auto& c) -> auto& { return c.hub.max_presence_resources; }),
        size("max-presence-meta", "Largest presence meta (its JSON); bigger is BAD_REQUEST",
             [](auto& c) -> auto& { return c.hub.max_presence_meta_bytes; }),
        integer("max-presence-users", "UINT", "Users listed in one presence message; past it the list is cut and `count` tells all",
                1, 1000000, [](auto& c) -> auto& { return c.hub.max_presence_users; }),
    };
    // clang-format on
}

}  // namespace

std::string server_setting::toml_key() const {
    std::string k = name;
    std::replace(k.begin(), k.end(), '-', '_');
    return k;
}

const std::vector<server_setting>& server_settings() {
    static const std::vector<server_setting> table = make_settings();
    return table;
}

const server_setting* find_setting(std::string_view name) {
    for (const auto& s : server_settings())
        if (s.name == name) return &s;
    return nullptr;
}

}  // namespace rt::server
