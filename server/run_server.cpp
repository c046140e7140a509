// Start-up of `rt serve`: settings, spec, tokens, store, the open-file limit; then the transport.
#include "server/run_server.hpp"

#include <csignal>
#include <cstdio>

#include "os/fd_limit.hpp"
#include "protocol/spec.hpp"
#include "protocol/spec_ir_json.hpp"
#include "protocol/units.hpp"
#include "server/log.hpp"
#include "server/redis_broker.hpp"
#include "server/server_info.hpp"
#include "server/server_state.hpp"
#include "server/jwt_verifier.hpp"
#include "server/tokens.hpp"
#include "server/ws_server.hpp"

namespace rt::server {

int run_server(const server_config& cfg) {
    if (auto v = validate(cfg); !v) {
        std::fprintf(stderr, "rt serve: error: %s\n", v.error().c_str());
        return 2;
    }
    auto listen_address = resolve_listen_host(cfg.listen_host);
    if (!listen_address) {
        std::fprintf(stderr, "rt serve: error: %s\n", listen_address.error().c_str());
        return 2;
    }
    if (!cfg.auth_enabled() && !cfg.insecure && !listen_address->loopback) {
        std::fprintf(stderr, "rt serve: error: --listen host '%s' resolves to %s, not a loopback address: without "
                     "--tokens or a JWT key (or --insecure) rt serve listens on loopback only\n",
                     cfg.listen_host.c_str(), listen_address->ip.c_str());
        return 2;
    }
    auto lvl = parse_log_level(cfg.log_level);
    if (!lvl) {
        std::fprintf(stderr, "rt serve: error: --log-level '%s': expected debug, info, warn, error or off\n",
                     cfg.log_level.c_str());
        return 2;
    }
    set_log_level(*lvl);
    // The text is kept for GET /api/_spec: tools derive their workloads from the spec served.
    auto spec_text = spec::read_spec_text(cfg.spec_path);
    auto app = spec_text ? spec::parse_spec(*spec_text, cfg.spec_path)
                         : result<spec::app, std::vector<spec::spec_error>>(make_unexpected(spec_text.error()));
    if (!app) {
        for (const auto& e : app.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
        std::fprintf(stderr, "rt serve: error: %zu error(s) in spec %s\n", app.error().size(), cfg.spec_path.c_str());
        return 2;
    }
    token_table tokens;
    if (!cfg.tokens_path.empty()) {
        auto t = load_tokens_file(cfg.tokens_path, *app);
        if (!t) {
            std::fprintf(stderr, "%s\nrt serve: error: tokens file %s does not match the spec\n", t.error().c_str(),
                         cfg.tokens_path.c_str());
            return 2;
        }
        tokens = std::move(*t);
    }
    auto jwt = jwt_verifier::load(cfg.jwt);
    if (!jwt) {
        std::fprintf(stderr, "rt serve: error: %s\n", jwt.error().c_str());
        return 2;
    }
    auto db = store::open(cfg.db_path, *app);
    if (!db) {
        std::fprintf(stderr, "rt serve: error: %s\n", db.error().c_str());
        return 1;
    }
    // Each connection is a descriptor: 10k clients need the hard limit, not the usual soft 1,024.
    auto fd_limit = os::raise_open_file_limit();
    if (!fd_limit) std::fprintf(stderr, "rt serve: warning: cannot raise the open-file limit: %s\n", fd_limit.error().c_str());
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr, "rt serve: app %s: %zu entities, %zu views, %zu subscriptions; store %s (%zu rows); open-file limit %llu\n",
                 app->name.c_str(), app->entities.size(), app->views.size(), app->subscriptions.size(),
                 cfg.db_path.c_str(), (*db)->row_count(), static_cast<unsigned long long>(fd_limit ? *fd_limit : 0));
    if (!cfg.auth_enabled())
        std::fprintf(stderr, "rt serve: no --tokens: development mode, every client may do everything%s\n",
                     cfg.insecure ? " (--insecure)" : "; listening on loopback only");
    if (jwt->enabled())
        std::fprintf(stderr, "rt serve: JWTs accepted (%s%s%s), leeway %s%s\n", cfg.jwt.secret_path.empty() ? "" : "HS256",
                     cfg.jwt.secret_path.empty() || cfg.jwt.public_key_path.empty() ? "" : ", ",
                     cfg.jwt.public_key_path.empty() ? "" : "public key", proto::format_duration(std::chrono::milliseconds(cfg.jwt.rules.leeway_ms)).c_str(),
                     cfg.tokens_path.empty() ? "" : "; the tokens file's tokens too");
    server_state state(cfg, *app, **db, std::move(tokens), std::move(*jwt));
    state.set_spec(std::make_shared<const served_spec>(served_spec{std::move(*spec_text), spec::ir_hash(*app)}));
    state.info_text = server_info_json(cfg, cfg.auth_enabled());
    state.asyncapi = asyncapi_options_for(cfg);
    std::unique_ptr<redis_broker> broker;
    if (!cfg.broker_url.empty()) {
        broker_settings bs;
        bs.url = *proto::parse_broker_url(cfg.broker_url);  // checked by validate()
        bs.replay_events = cfg.hub.replay.max_events;
        bs.reply_timeout = cfg.broker_timeout;
        broker = std::make_unique<redis_broker>(bs, *app, state.hub, state.metrics);
        state.hub.attach_bus(*broker);
        state.bus = broker.get();
        // Connecting and reading the rows: a few ms on a LAN; 10 s is a Redis that is not answering.
        if (auto started = broker->start(std::chrono::seconds(10)); !started) {
            std::fprintf(stderr, "rt serve: error: --broker %s\n", started.error().c_str());
            return 1;
        }
        std::fprintf(stderr, "rt serve: broker %s: rows, streams and presence shared with its other nodes\n",
                     proto::to_string(bs.url).c_str());
        state.on_stopped = [&broker] { broker->stop(); };
    }
    return run_ws_server(state, *listen_address);
}

}  // namespace rt::server
