// Signals: SIGHUP reloads the spec (ws_spec_reload.cpp), the tokens file (access.cpp decides which
// connections go) and the TLS certificate (new handshakes only);
// SIGINT/SIGTERM stop accepting, close every connection with 1001 (an SSE stream gets its `error`
// event) and stop once they are gone,
// or after --shutdown-grace.
#include <csignal>

#include "protocol/close_codes.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"
#include "tls/context.hpp"

namespace rt::server {

// Runs on a thread of its own (os::stop_signals): each signal becomes work on the I/O loop.
void ws_server::watch_signals() {
    while (const int signo = signals_->wait()) asio::post(io_, [this, signo] { on_signal(signo); });
}

// Once shutting down, further signals change nothing.
void ws_server::on_signal(int signo) {
    if (stopping_) return;
    if (signo == SIGHUP) {
        // The spec first: the tokens file is then read against the spec that serves.
        guarded("SIGHUP spec reload", {}, [this] { reload_spec_now("SIGHUP", std::nullopt); });
        guarded("SIGHUP reload", {}, [this] { reload_tokens(); });
        guarded("SIGHUP certificate reload", {}, [this] { reload_certificate(); });
    }
    else begin_shutdown(signo);
}

// A bad tokens file changes nothing (access::reload logs why); otherwise the connections whose
// token is gone or whose rights changed are closed.
void ws_server::reload_tokens() {
    auto plan = state_.access.reload(open_connections());
    if (!plan) return;
    for (auto& [hdl, code] : plan->to_close)
        close_connection(hdl, code, code == proto::close_code::auth_failed ? "token revoked" : "token rights changed; reconnect");
    state_.access.log_reloaded(*plan);
}

void ws_server::reload_certificate() {
    if (cfg_.tls_cert_path.empty()) return;
    auto ctx = tls::make_server_context(cfg_.tls_cert_path, cfg_.tls_key_path);
    if (!ctx) {
        log_line(log_level::error, "TLS certificate not reloaded, keeping the previous one: " + log_text(ctx.error()));
        return;
    }
    ep_.set_server_context(*ctx);
    log_line(log_level::info, "TLS certificate reloaded from " + log_text(cfg_.tls_cert_path) + ": new handshakes use it");
}

void ws_server::begin_shutdown(int signo) {
    if (stopping_.exchange(true)) return;
    log_line(log_level::info, std::string("received ") + os::stop_signals::name(signo) +
                                  ": closing connections with " + std::to_string(proto::close_code::going_away));
    std::error_code ec;
    ep_.stop_listening(ec);
    if (ec) fail(ec, "stop listening");
    sweep_timer_.cancel();
    ping_timer_.cancel();
    throttle_timer_.cancel();
    spec_watch_timer_.cancel();
    std::vector<std::weak_ptr<void>> hdls;
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        for (auto& [k, c] : conns_) hdls.push_back(c->handle);
        if (conns_.empty() && handshaking_.empty()) {
            asio::post(io_, [this] { io_.stop(); });
            return;
        }
    }
    for (auto& h : hdls) close_connection(h, proto::close_code::going_away, "server shutting down");
    shutdown_timer_.expires_after(cfg_.shutdown_grace);
    shutdown_timer_.async_wait([this](const std::error_code& e) {
        if (e) return fail(e, "shutdown timer");
        io_.stop();
    });
}

}  // namespace rt::server
