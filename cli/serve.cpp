// `rt serve`: flags → server_config → run_server. `--check` validates a spec without serving it.
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "protocol/spec.hpp"
#include "protocol/units.hpp"
#include "server/server_config.hpp"
#include "server/tokens.hpp"
#include "server/run_server.hpp"

namespace rt::cli {

namespace {

struct serve_flags {
    std::string spec, config, listen, path, db, tokens, log_level, allowed_origins;
    bool insecure = false, check = false;
    int threads = 0, max_subscriptions = 0, abuse_close_after = 0;
    double rate = 0, burst = 0;
    std::uint32_t replay_events = 0;
    std::string ping_interval, pong_timeout, replay_age, slow_grace, presence_timeout, abuse_decay;
    std::string max_frame, slow_soft, slow_hard, socket_send_buffer;
    std::string max_filter, max_idle_stream_memory, max_presence_meta;
    std::uint32_t max_idle_streams = 0, max_presence_resources = 0, max_presence_users = 0;
};

// Checks the spec and, when given, the tokens file against it.
int check_spec(const std::string& path, const std::string& tokens_path) {
    auto app = spec::load_spec_file(path);
    if (!app) {
        for (const auto& e : app.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
        std::fprintf(stderr, "rt serve --check: %zu error(s) in %s\n", app.error().size(), path.c_str());
        return 1;
    }
    std::printf("%s", spec::describe(*app).c_str());
    std::fprintf(stderr, "rt serve --check: %s is valid\n", path.c_str());
    if (tokens_path.empty()) return 0;
    auto tokens = server::load_tokens_file(tokens_path, *app);
    if (!tokens) {
        std::fprintf(stderr, "%s\nrt serve --check: %s does not match %s\n", tokens.error().c_str(),
                     tokens_path.c_str(), path.c_str());
        return 1;
    }
    std::fprintf(stderr, "rt serve --check: %s is valid (%zu tokens)\n", tokens_path.c_str(), tokens->size());
    return 0;
}

// Applies the flags the user gave (they win over the config file). Returns an error message.
std::string apply_flags(CLI::App& cmd, const serve_flags& f, server::server_config& cfg) {
    auto given = [&](const char* name) { return cmd.count(name) > 0; };
    auto dur = [&](const char* name, const std::string& text, std::chrono::milliseconds& out) -> std::string {
        if (!given(name)) return {};
        auto d = proto::parse_duration(text);
        if (!d) return std::string(name) + ": " + d.error();
        out = *d;
        return {};
    };
    auto size = [&](const char* name, const std::string& text, std::uint64_t& out) -> std::string {
        if (!given(name)) return {};
        auto s = proto::parse_size(text);
        if (!s) return std::string(name) + ": " + s.error();
        out = *s;
        return {};
    };
    if (given("--spec")) cfg.spec_path = f.spec;
    if (given("--listen")) {
        auto r = server::parse_listen(f.listen, cfg.listen_host, cfg.listen_port);
        if (!r) return r.error();
    }
    if (given("--path")) cfg.ws_path = f.path;
    if (given("--db")) cfg.db_path = f.db;
    if (given("--tokens")) cfg.tokens_path = f.tokens;
    if (given("--insecure")) cfg.insecure = true;
    if (given("--allowed-origins")) cfg.allowed_origins = server::split_list(f.allowed_origins);
    if (given("--log-level")) cfg.log_level = f.log_level;
    if (given("--threads")) cfg.threads = f.threads;
    if (given("--max-subscriptions")) cfg.max_subscriptions = f.max_subscriptions;
    if (given("--rate-limit")) cfg.rate_per_s = f.rate;
    if (given("--rate-burst")) cfg.rate_burst = f.burst;
    if (given("--abuse-close-after")) cfg.abuse_close_after = f.abuse_close_after;
    if (given("--replay-events")) cfg.replay_max_events = f.replay_events;
    if (given("--max-idle-streams")) cfg.max_idle_streams = f.max_idle_streams;
    if (given("--max-presence-resources")) cfg.max_presence_resources = f.max_presence_resources;
    if (given("--max-presence-users")) cfg.max_presence_users = f.max_presence_users;
    for (auto e : {dur("--ping-interval", f.ping_interval, cfg.ping_interval),
                   dur("--pong-timeout", f.pong_timeout, cfg.pong_timeout),
                   dur("--replay-age", f.replay_age, cfg.replay_max_age),
                   dur("--slow-grace", f.slow_grace, cfg.slow_grace),
                   dur("--abuse-decay", f.abuse_decay, cfg.abuse_decay),
                   dur("--presence-timeout", f.presence_timeout, cfg.presence_timeout),
                   size("--max-frame", f.max_frame, cfg.max_frame_bytes),
                   size("--slow-soft", f.slow_soft, cfg.slow_soft_bytes),
                   size("--slow-hard", f.slow_hard, cfg.slow_hard_bytes),
                   size("--socket-send-buffer", f.socket_send_buffer, cfg.socket_send_buffer_bytes),
                   size("--max-filter", f.max_filter, cfg.max_filter_bytes),
                   size("--max-idle-stream-memory", f.max_idle_stream_memory, cfg.max_idle_stream_bytes),
                   size("--max-presence-meta", f.max_presence_meta, cfg.max_presence_meta_bytes)})
        if (!e.empty()) return e;
    return {};
}

}  // namespace

void register_serve(CLI::App& app, registry& reg) {
    auto f = std::make_shared<serve_flags>();
    CLI::App* cmd = app.add_subcommand("serve", "Run the reference server: spec-declared live subscriptions over WebSocket");
    cmd->footer(
        "Examples:\n"
        "  rt serve --spec scenarios/kanban.spec                 # dev server on 127.0.0.1:8080\n"
        "  rt serve --spec app.spec --listen 127.0.0.1:0         # pick a free port (printed on stderr)\n"
        "  rt serve --spec app.spec --check                      # validate the spec, print what it declares\n"
        "  rt serve --spec app.spec --check --tokens tokens.toml # ... and the tokens file against it\n"
        "  rt serve --spec app.spec --db rt.db --tokens tokens.toml --listen 0.0.0.0:8080\n"
        "\nEndpoints: ws://HOST:PORT/live (protocol v1), /api/<Entity>[/<id>] (REST), /healthz, /metrics.\n"
        "SIGHUP reloads the --tokens file (checked first; a bad file keeps the old one and logs why).\n"
        "Every setting may also come from --config FILE (TOML; keys are the flag names with '_' for '-'); flags win.\n"
        "Durations: 250ms, 5s, 2m. Sizes: 64KiB, 1MiB.\n"
        "Exit codes: 0 clean shutdown (SIGINT/SIGTERM) or valid spec with --check; 1 runtime failure or\n"
        "invalid spec with --check; 2 usage error (bad flag, config, tokens or spec).");
    cmd->add_option("--spec", f->spec, "Spec file declaring entities, views and subscriptions");
    cmd->add_flag("--check", f->check,
                  "Validate the spec (and --tokens against it), print a summary, and exit (0 valid, 1 errors)");
    cmd->add_option("--config", f->config, "TOML file with any of these settings (flags win)");
    cmd->add_option("--listen", f->listen, "Address to listen on, HOST:PORT; port 0 picks a free one [127.0.0.1:8080]");
    cmd->add_option("--path", f->path, "WebSocket endpoint path [/live]");
    cmd->add_option("--db", f->db, "SQLite database file; also makes replay history survive restarts [:memory:]");
    cmd->add_option("--tokens", f->tokens, "TOML tokens file (token → user and rights); without it: dev mode, loopback only");
    cmd->add_flag("--insecure", f->insecure, "Allow a non-loopback --listen without --tokens");
    cmd->add_option("--allowed-origins", f->allowed_origins,
                    "Browser origins allowed to connect, comma-separated: https://app.example.com, http://host:*, or *; "
                    "others get 403 [http://localhost:*, http://127.0.0.1:*, http://[::1]:*, the server's own]");
    cmd->add_option("--log-level", f->log_level, "debug|info|warn|error|off [info]");
    cmd->add_option("--threads", f->threads, "I/O threads [2]");
    cmd->add_option("--ping-interval", f->ping_interval, "WebSocket ping every DURATION [20s]");
    cmd->add_option("--pong-timeout", f->pong_timeout, "Close a peer with no pong within DURATION [10s]");
    cmd->add_option("--max-frame", f->max_frame, "Largest client frame; bigger closes with 1009 [64KiB]");
    cmd->add_option("--max-subscriptions", f->max_subscriptions, "Subscriptions per connection [50]");
    cmd->add_option("--rate-limit", f->rate, "Client messages per second per connection [100]");
    cmd->add_option("--rate-burst", f->burst, "Burst allowance of the rate limit [200]");
    cmd->add_option("--abuse-close-after", f->abuse_close_after, "Rate-limit violations before close 1008 [50]");
    cmd->add_option("--abuse-decay", f->abuse_decay, "The rate-limit violation count halves every this long [60s]");
    cmd->add_option("--replay-events", f->replay_events, "Events kept per stream for resume [100]");
    cmd->add_option("--replay-age", f->replay_age, "Longest an event is kept for resume [30s]");
    cmd->add_option("--slow-soft", f->slow_soft, "Queued bytes past which a connection's events are dropped [1MiB]");
    cmd->add_option("--slow-grace", f->slow_grace, "Time over --slow-soft before close 1008 [5s]");
    cmd->add_option("--slow-hard", f->slow_hard, "Queued bytes that close a connection at once [8MiB]");
    cmd->add_option("--socket-send-buffer", f->socket_send_buffer, "Kernel send buffer per connection; 0 = kernel autotuning [256KiB]");
    cmd->add_option("--presence-timeout", f->presence_timeout, "Silence after which a presence member is removed [30s]");
    cmd->add_option("--max-filter", f->max_filter, "Largest subscribe filter (its JSON); bigger is INVALID_FILTER [1KiB]");
    cmd->add_option("--max-idle-streams", f->max_idle_streams,
                    "Streams without subscribers kept for resume; past it the oldest idle ones go [10000]");
    cmd->add_option("--max-idle-stream-memory", f->max_idle_stream_memory,
                    "Memory of streams without subscribers (replay buffers included); past it the oldest idle ones go [64MiB]");
    cmd->add_option("--max-presence-resources", f->max_presence_resources, "Presence resources per connection [20]");
    cmd->add_option("--max-presence-meta", f->max_presence_meta, "Largest presence meta (its JSON); bigger is BAD_REQUEST [1KiB]");
    cmd->add_option("--max-presence-users", f->max_presence_users,
                    "Users listed in one presence message; past it the list is cut and `count` tells all [100]");
    cmd->callback([cmd, f, &reg] {
        reg.action = [cmd, f]() -> int {
            if (f->check) {
                if (f->spec.empty()) {
                    std::fprintf(stderr, "rt serve --check: error: --spec FILE is required\n");
                    return 2;
                }
                return check_spec(f->spec, f->tokens);
            }
            server::server_config cfg;
            if (!f->config.empty()) {
                auto r = server::apply_config_file(cfg, f->config);
                if (!r) {
                    std::fprintf(stderr, "rt serve: error: %s\n", r.error().c_str());
                    return 2;
                }
            }
            if (auto e = apply_flags(*cmd, *f, cfg); !e.empty()) {
                std::fprintf(stderr, "rt serve: error: %s\n", e.c_str());
                return 2;
            }
            return server::run_server(cfg);
        };
    });
}

}  // namespace rt::cli
