// The listener: websocketpp's endpoint and its configuration, socket options after accept, listen
// and accept, the I/O threads, and the wrappers every handler runs in.
#include <csignal>
#include <cstdio>
#include <thread>

#include "protocol/close_codes.hpp"
#include "protocol/sse_events.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"
#include "tls/context.hpp"

// Draft-76 handshakes (no Sec-WebSocket-Version) are refused: websocketpp would otherwise pick its
// hybi00 processor, wait for 8 bytes of "key3" after the headers and answer 500 when they are absent.
// With no processor for version 0, the library answers 400 with the versions it speaks (RFC 6455 4.4).
template <>
auto websocketpp::connection<rt::server::ws_config>::get_processor(int version) const -> processor_ptr {
    using cfg = rt::server::ws_config;
    processor_ptr p;
    switch (version) {
        case 7: p = lib::make_shared<processor::hybi07<cfg>>(transport_con_type::is_secure(), m_is_server, m_msg_manager, lib::ref(m_rng)); break;
        case 8: p = lib::make_shared<processor::hybi08<cfg>>(transport_con_type::is_secure(), m_is_server, m_msg_manager, lib::ref(m_rng)); break;
        case 13: p = lib::make_shared<processor::hybi13<cfg>>(transport_con_type::is_secure(), m_is_server, m_msg_manager, lib::ref(m_rng)); break;
        default: return p;
    }
    p->set_max_message_size(m_max_message_size);  // as the library's own version does (--max-frame)
    return p;
}

namespace rt::server {

ws_server::ws_server(server_state& state, asio::ip::address listen_address)
    : state_(state), cfg_(state.cfg), listen_address_(listen_address), sweep_timer_(io_),
      ping_timer_(io_), shutdown_timer_(io_), throttle_timer_(io_), spec_watch_timer_(io_), sse_ping_(std::make_shared<const std::string>(proto::sse_comment("ping"))) {
    state_.sink.plug(*this);
}

void ws_server::handler_failed(const char* what, const websocketpp::connection_hdl& hdl, const char* why) noexcept {
    try {
        state_.metrics.handler_failures++;
        std::string who;
        if (auto ctx = find(hdl)) who = " conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user);
        std::error_code ec;
        connection_ptr con = hdl.expired() ? nullptr : ep_.get_con_from_hdl(hdl, ec);
        const auto state = con ? con->get_state() : websocketpp::session::state::closed;
        const std::string action = state == websocketpp::session::state::open
                                       ? "; closing that connection with " + std::to_string(proto::close_code::internal_error)
                                   : state == websocketpp::session::state::connecting ? "; answering 500"
                                                                                       : "";
        log_line(log_level::error, std::string("handler ") + what + " failed" + who + ": " + log_text(why) + action);
        if (state == websocketpp::session::state::open)
            con->close(proto::close_code::internal_error, "internal error", ec);
        else if (state == websocketpp::session::state::connecting)
            con->set_status(websocketpp::http::status_code::internal_server_error);  // an HTTP request or a handshake
    } catch (...) {
        // Logging itself failed (out of memory): the count is kept; nothing more can be done here.
    }
}

void ws_server::fail(const std::error_code& ec, const char* what) {
    if (ec == asio::error::operation_aborted || ec == websocketpp::error::make_error_code(websocketpp::error::bad_connection))
        return;  // a timer cancelled at shutdown, or a connection already closed: nothing went wrong
    log_line(log_level::debug, std::string(what) + ": " + ec.message());
}

connection_ptr ws_server::connection(const websocketpp::connection_hdl& hdl, const char* what) {
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    if (ec || !con) {
        fail(ec ? ec : websocketpp::error::make_error_code(websocketpp::error::bad_connection), what);
        return nullptr;
    }
    return con;
}

// Runs the event loop on this thread until it stops. Anything that escapes a handler the
// wrappers do not cover (websocketpp internals, posted work) is counted and logged, and the
// loop goes on serving the other connections: io_context::run may be called again after a throw.
void ws_server::run_io() noexcept {
    for (;;) {
        if (guarded("event loop", {}, [this] { io_.run(); })) return;
    }
}

// Every handler runs guarded: a failure closes that connection with 1011, never the process.
void ws_server::set_handlers() {
    ep_.set_validate_handler([this](websocketpp::connection_hdl h) {
        bool accept = false;
        return guarded("validate", h, [&] { accept = on_validate(h); }) && accept;
    });
    ep_.set_open_handler([this](websocketpp::connection_hdl h) { guarded("open", h, [&] { on_open(h); }); });
    ep_.set_close_handler([this](websocketpp::connection_hdl h) { guarded("close", h, [&] { on_close(h); }); });
    ep_.set_fail_handler([this](websocketpp::connection_hdl h) { guarded("fail", h, [&] { on_fail(h); }); });
    ep_.set_message_handler([this](websocketpp::connection_hdl h, message_ptr m) {
        guarded("message", h, [&] { on_message(h, m); });
    });
    ep_.set_http_handler([this](websocketpp::connection_hdl h) {
        if (!guarded("http", h, [&] { on_http(h); })) on_http_failed(h);
    });
    ep_.set_ping_handler([this](websocketpp::connection_hdl h, std::string p) {
        bool answer = false;
        return guarded("ping", h, [&] { answer = on_ping(h, p); }) && answer;
    });
    ep_.set_pong_handler([this](websocketpp::connection_hdl h, std::string) { guarded("pong", h, [&] { on_pong(h); }); });
    ep_.set_pong_timeout_handler([this](websocketpp::connection_hdl h, std::string) {
        guarded("pong timeout", h, [&] { on_pong_timeout(h); });
    });
    // Socket options go on after accept (the socket-init hook runs before the socket is open).
    ep_.set_tcp_pre_init_handler([this](websocketpp::connection_hdl h) { on_tcp_accepted(h); });
}

void ws_server::on_tcp_accepted(websocketpp::connection_hdl hdl) {
    connection_ptr con = connection(hdl, "socket options");
    if (!con) return;
    auto& s = con->get_raw_socket();
    std::error_code ec;
    s.set_option(asio::ip::tcp::no_delay(true), ec);  // events are small and latency-bound
    if (ec) return fail(ec, "TCP_NODELAY");
    if (cfg_.socket_send_buffer_bytes > 0)
        s.set_option(asio::socket_base::send_buffer_size(static_cast<int>(cfg_.socket_send_buffer_bytes)), ec);
    if (ec) return fail(ec, "SO_SNDBUF");
}

int ws_server::run() {
    std::error_code ec;
    ep_.init_asio(&io_, ec);
    if (ec) { std::fprintf(stderr, "rt serve: error: %s\n", ec.message().c_str()); return 1; }
    ep_.set_reuse_addr(true);
    ep_.set_listen_backlog(4096);  // 10k clients connecting at once must not see refusals
    ep_.set_max_message_size(cfg_.decode.max_message_bytes);
    ep_.set_max_http_body_size(cfg_.decode.max_message_bytes);
    ep_.set_pong_timeout(cfg_.pong_timeout.count());
    set_handlers();
    if (!cfg_.tls_cert_path.empty()) {
        auto ctx = tls::make_server_context(cfg_.tls_cert_path, cfg_.tls_key_path);
        if (!ctx) { std::fprintf(stderr, "rt serve: error: %s\n", ctx.error().c_str()); return 2; }  // a bad file: nothing was served
        ep_.set_server_context(*ctx);
    }
    const bool secure = !cfg_.tls_cert_path.empty();

    asio::ip::tcp::endpoint endpoint(listen_address_, cfg_.listen_port);
    ep_.listen(endpoint, ec);
    if (ec) {
        std::fprintf(stderr, "rt serve: error: cannot listen on %s:%u: %s\n", cfg_.listen_host.c_str(),
                     cfg_.listen_port, ec.message().c_str());
        return 1;
    }
    {
        // The own origin is the address as bound (a wildcard address has no single own origin).
        auto at = ep_.get_local_endpoint(ec);
        std::string own;
        if (!ec && !at.address().is_unspecified())
            own = (secure ? "https://" : "http://") + (at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string()) +
                  ":" + std::to_string(at.port());
        origins_ = cfg_.allowed_origins.empty() ? origin_policy::local_default(own) : *origin_policy::parse(cfg_.allowed_origins);
    }
    ep_.start_accept(ec);
    if (ec) { std::fprintf(stderr, "rt serve: error: accept: %s\n", ec.message().c_str()); return 1; }
    auto bound = ep_.get_local_endpoint(ec);
    std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();

    signals_.emplace(std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP});
    std::thread signal_thread([this] { watch_signals(); });
    schedule_sweep();
    schedule_throttle();
    if (cfg_.watch_spec) {
        spec_watch_.emplace(state_.spec()->text);
        schedule_spec_watch();
    }
    schedule_ping();

    const char* ws_scheme = secure ? "wss" : "ws";
    const char* http_scheme = secure ? "https" : "http";
    std::fprintf(stderr, "rt serve: listening on %s://%s:%u%s (REST on %s://%s:%u/api, %d threads)\n", ws_scheme,
                 host.c_str(), bound.port(), cfg_.ws_path.c_str(), http_scheme, host.c_str(), bound.port(), cfg_.threads);
    std::fprintf(stderr, "rt serve: allowed browser origins: %s\n", origins_.describe().c_str());
    std::fflush(stderr);

    std::vector<std::thread> threads;
    for (int i = 1; i < cfg_.threads; ++i) threads.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : threads) t.join();
    signals_->cancel();
    signal_thread.join();
    signals_.reset();
    if (state_.on_stopped) state_.on_stopped();
    log_line(log_level::info, "stopped");
    return 0;
}

result<listen_address, std::string> resolve_listen_host(const std::string& host) {
    auto found_address = [](const asio::ip::address& a) { return listen_address{a.to_string(), a.is_loopback()}; };
    std::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) return found_address(address);
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto found = resolver.resolve(host, "", asio::ip::resolver_base::address_configured, ec);
    if (ec || found.empty())
        return make_unexpected("--listen host '" + host + "' is neither an IP address nor a name that resolves" +
                               (ec ? " (" + ec.message() + ")" : std::string()));
    // Prefer IPv4 when a name has both (localhost → 127.0.0.1, what clients try first).
    for (const auto& e : found)
        if (e.endpoint().address().is_v4()) return found_address(e.endpoint().address());
    return found_address(found.begin()->endpoint().address());
}

int run_ws_server(server_state& state, const listen_address& at) {
    std::error_code ec;
    auto address = asio::ip::make_address(at.ip, ec);
    if (ec) {  // cannot happen: `at` comes from resolve_listen_host
        std::fprintf(stderr, "rt serve: error: listen address '%s': %s\n", at.ip.c_str(), ec.message().c_str());
        return 1;
    }
    ws_server server(state, address);
    return server.run();
}

}  // namespace rt::server
