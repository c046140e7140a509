// The only translation unit of the server that includes websocketpp and Asio.
#include "server/ws_server.hpp"


#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <set>
#include <unordered_map>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "os/fd_limit.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/messages.hpp"
#include "protocol/spec.hpp"
#include "protocol/text_check.hpp"
#include "server/http_api.hpp"
#include "server/hub.hpp"
#include "server/log.hpp"
#include "server/mutation_budget.hpp"
#include "server/origin_policy.hpp"
#include "server/tokens.hpp"

namespace rt::server {

namespace {

struct ws_config : websocketpp::config::asio {
    typedef ws_config type;
    // 10k idle connections: a small read buffer keeps per-connection memory low. Client messages
    // are ~100 bytes; the rare large frame (up to --max-frame) is read in several steps.
    static const size_t connection_read_buffer_size = 1024;
    static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
    static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

}  // namespace
}  // namespace rt::server

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
namespace {

using ws_endpoint = websocketpp::server<ws_config>;
using connection_ptr = ws_endpoint::connection_ptr;
using message_ptr = ws_endpoint::message_ptr;
using steady = std::chrono::steady_clock;

// Who a request is, once its token is looked up.
struct identity {
    rights who;
    std::string token;  // "" in development mode
};

// The query parameters that become client text (a user name in development mode) are percent-decoded
// raw bytes: refused unless UTF-8, before they are stored, logged or encoded into JSON. Returns
// the 400 body naming the parameter, or nothing when they are fine.
std::optional<std::string> bad_client_text(const std::map<std::string, std::string>& query) {
    for (const char* field : {"user"})
        if (auto it = query.find(field); it != query.end() && !proto::valid_utf8(it->second))
            return std::string("{\"error\":\"BAD_REQUEST\",\"field\":\"") + field + "\",\"message\":\"query parameter '" +
                   field + "' is not valid UTF-8 (percent-decode it to UTF-8 text)\"}";
    return std::nullopt;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

std::int64_t wall_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class ws_server final : public delivery_sink {
public:
    ws_server(const server_config& cfg, asio::ip::address listen_address, const spec::app& app, store& db, token_table tokens)
        : cfg_(cfg), listen_address_(listen_address), app_(app), dev_mode_(cfg.tokens_path.empty()),
          tokens_(std::make_shared<const token_table>(std::move(tokens))), signals_(io_),
          hub_(app, db,
               hub_config{proto::replay_limits{cfg.replay_max_events, cfg.replay_max_age.count()}, cfg.max_subscriptions,
                          cfg.max_filter_bytes, cfg.max_idle_streams, cfg.max_idle_stream_bytes,
                          cfg.max_presence_resources, cfg.max_presence_meta_bytes, cfg.max_presence_users},
               metrics_, *this),
          mutations_(cfg.rate_per_s, cfg.rate_burst), sweep_timer_(io_), ping_timer_(io_), shutdown_timer_(io_) {}

    int run();

    // delivery_sink (called under the hub lock)
    send_status send_to(conn_context& c, const frame_ptr& frame) override;
    void fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) override;

private:
    void on_open(websocketpp::connection_hdl hdl);
    void on_close(websocketpp::connection_hdl hdl);
    void on_fail(websocketpp::connection_hdl hdl);
    void on_message(websocketpp::connection_hdl hdl, message_ptr msg);
    void on_http(websocketpp::connection_hdl hdl);
    bool on_validate(websocketpp::connection_hdl hdl);
    void on_pong(websocketpp::connection_hdl hdl);
    bool on_ping(websocketpp::connection_hdl hdl, const std::string& payload);
    bool admit_message(conn_context& ctx, const connection_ptr& con);
    template <class Send>
    send_status deliver(conn_context& c, const connection_ptr& con, std::uint64_t frame_bytes, bool droppable,
                        steady::time_point now, Send&& send);
    void on_pong_timeout(websocketpp::connection_hdl hdl);
    template <typename F>
    bool guarded(const char* what, const websocketpp::connection_hdl& hdl, F&& body) noexcept;
    void handler_failed(const char* what, const websocketpp::connection_hdl& hdl, const char* why) noexcept;
    void run_io() noexcept;
    void handle_message(conn_context& ctx, const connection_ptr& con, std::string_view text);
    send_status reply(conn_context& c, const connection_ptr& con, const std::string& text);
    void post_close_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason);
    std::shared_ptr<conn_context> find(const websocketpp::connection_hdl& hdl);
    std::optional<identity> authenticate(const connection_ptr& con);
    bool origin_allowed(const connection_ptr& con, const char* what);
    std::string mutation_key(const identity& id, const std::string& remote_ip) const;
    void wait_signal();
    void reload_tokens();
    std::shared_ptr<const token_table> tokens() const;
    void schedule_sweep();
    void schedule_ping();
    void begin_shutdown(int signo);
    std::string render_metrics();

    const server_config& cfg_;
    const asio::ip::address listen_address_;  // --listen's host, resolved before start-up
    const spec::app& app_;
    const bool dev_mode_;  // no tokens file: everyone may do everything (loopback only)
    mutable std::mutex tokens_mu_;
    std::shared_ptr<const token_table> tokens_;  // swapped whole by a SIGHUP reload
    origin_policy origins_;                      // set in run() before accepting
    asio::io_context io_;
    asio::signal_set signals_;
    ws_endpoint ep_;
    metrics metrics_;
    hub hub_;
    mutation_budget mutations_;
    asio::steady_timer sweep_timer_, ping_timer_, shutdown_timer_;
    std::mutex conns_mu_;
    std::unordered_map<const void*, std::shared_ptr<conn_context>> conns_;
    std::set<const void*> handshaking_;  // validated, not yet open: shutdown waits for them too
    std::atomic<std::uint64_t> next_id_{1};
    std::atomic<bool> stopping_{false};
    std::uint64_t ping_slice_ = 0;  // touched only by the ping timer's handler
};

// Runs one handler's body. An exception escaping it is that connection's failure, never the
// process's: handler_failed() counts it, logs one line and closes the connection with 1011.
// Returns false when the body threw. `hdl` may be empty (timers): then only the count and the log.
template <typename F>
bool ws_server::guarded(const char* what, const websocketpp::connection_hdl& hdl, F&& body) noexcept {
    try {
        body();
        return true;
    } catch (const std::exception& e) {
        handler_failed(what, hdl, e.what());
    } catch (...) {
        handler_failed(what, hdl, "unknown exception");
    }
    return false;
}

void ws_server::handler_failed(const char* what, const websocketpp::connection_hdl& hdl, const char* why) noexcept {
    try {
        metrics_.handler_failures++;
        std::string who;
        if (auto ctx = find(hdl)) who = " conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user);
        std::error_code ec;
        connection_ptr con = hdl.expired() ? nullptr : ep_.get_con_from_hdl(hdl, ec);
        const auto state = con ? con->get_state() : websocketpp::session::state::closed;
        const std::string action =
            state == websocketpp::session::state::open
                ? "; closing that connection with " + std::to_string(proto::close_code::internal_error)
                : state == websocketpp::session::state::connecting ? "; answering 500" : "";
        log_line(log_level::error, std::string("handler ") + what + " failed" + who + ": " + log_text(why) + action);
        if (state == websocketpp::session::state::open)
            con->close(proto::close_code::internal_error, "internal error", ec);
        else if (state == websocketpp::session::state::connecting)
            con->set_status(websocketpp::http::status_code::internal_server_error);  // an HTTP request or a handshake
    } catch (...) {
        // Logging itself failed (out of memory): the count is kept; nothing more can be done here.
    }
}

// Runs the event loop on this thread until it stops. Anything that escapes a handler the
// wrappers do not cover (websocketpp internals, posted work) is counted and logged, and the
// loop goes on serving the other connections: io_context::run may be called again after a throw.
void ws_server::run_io() noexcept {
    for (;;) {
        if (guarded("event loop", {}, [this] { io_.run(); })) return;
    }
}

std::shared_ptr<conn_context> ws_server::find(const websocketpp::connection_hdl& hdl) {
    auto key = hdl.lock();
    std::lock_guard<std::mutex> lock(conns_mu_);
    auto it = conns_.find(key.get());
    return it == conns_.end() ? nullptr : it->second;
}

// The one send path. Every frame queued to a connection — events, replies, snapshots, replays,
// presence state, and (by on_ping, which lets websocketpp queue it) pongs — passes here: the
// connection's output_limit decides (check() for a droppable event, check_reply() for the rest),
// and only a `send` verdict calls send(), which queues the bytes and returns the transport's error.
// A disconnect verdict logs one line, counts one slow-consumer disconnect and posts the close.
// Takes c.out_mu (with or without the hub lock held); `send` must not take either.
template <class Send>
send_status ws_server::deliver(conn_context& c, const connection_ptr& con, std::uint64_t frame_bytes, bool droppable,
                               steady::time_point now, Send&& send) {
    std::lock_guard<std::mutex> lock(c.out_mu);
    if (c.close_requested) return send_status::closing;
    const std::uint64_t queued = con->get_buffered_amount();
    const proto::send_verdict v =
        droppable ? c.out_limit.check(queued, now) : c.out_limit.check_reply(queued, frame_bytes, now);
    switch (v) {
        case proto::send_verdict::send:
            if (std::error_code ec = send()) {
                log_line(log_level::debug, "conn " + std::to_string(c.id) + ": send failed: " + ec.message());
                return send_status::closing;
            }
            return send_status::sent;
        case proto::send_verdict::drop:
            if (c.out_limit.should_log_drop(now))
                log_line(log_level::warn, "conn " + std::to_string(c.id) + " user=" + log_text(c.who.user) +
                                              ": slow consumer, dropping events (" + std::to_string(queued) +
                                              " bytes queued)");
            return send_status::dropped;
        case proto::send_verdict::too_large:
            return send_status::too_large;
        case proto::send_verdict::disconnect:
            break;
    }
    metrics_.slow_disconnects++;
    log_line(log_level::warn, "conn " + std::to_string(c.id) + " user=" + log_text(c.who.user) + ": slow consumer over its limit (" +
                                  std::to_string(queued) + " bytes queued, " + std::to_string(frame_bytes) +
                                  (droppable ? " more for an event" : " more for a reply") + "), closing " +
                                  std::to_string(proto::close_code::policy_violation));
    post_close_locked(c, proto::close_code::policy_violation, "slow consumer");
    return send_status::closing;
}

// A reply to this connection's own request, through the one send path.
send_status ws_server::reply(conn_context& c, const connection_ptr& con, const std::string& text) {
    return deliver(c, con, text.size(), false, steady::now(),
                   [&] { return con->send(text, websocketpp::frame::opcode::text); });
}

// Posts a close (once per connection). Caller holds c.out_mu.
void ws_server::post_close_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason) {
    if (c.close_requested) return;
    c.close_requested = true;
    // Posted, never done from inside a fan-out loop (Redis freeClientAsync).
    asio::post(io_, [this, hdl = c.handle, code, reason] {
        guarded("posted close", hdl, [&] {
            std::error_code ec;
            ep_.close(hdl, code, reason, ec);
        });
    });
}

send_status ws_server::send_to(conn_context& c, const frame_ptr& frame) {
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(c.handle, ec);
    if (ec || !con) return send_status::closing;
    return deliver(c, con, frame->size(), false, steady::now(),
                   [&] { return con->send(frame->data(), frame->size(), websocketpp::frame::opcode::text); });
}

void ws_server::fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) {
    // Serialize once: one prepared frame (unmasked server header + payload) shared by every send.
    auto msg = std::make_shared<ws_config::message_type>(ws_config::con_msg_manager_type::ptr(), websocketpp::frame::opcode::text, frame->size());
    msg->set_payload(*frame);
    websocketpp::frame::basic_header h(websocketpp::frame::opcode::text, frame->size(), true, false);
    websocketpp::frame::extended_header e(frame->size());
    msg->set_header(websocketpp::frame::prepare_header(h, e));
    msg->set_prepared(true);

    auto now = steady::now();
    std::uint64_t delivered = 0, dropped = 0;
    for (conn_context* c : subscribers) {
        std::error_code ec;
        connection_ptr con = ep_.get_con_from_hdl(c->handle, ec);
        if (ec || !con) continue;
        switch (deliver(*c, con, frame->size(), true, now, [&] { return con->send(msg); })) {
            case send_status::sent: ++delivered; break;
            case send_status::dropped: ++dropped; break;
            case send_status::closing: ++dropped; break;
            case send_status::too_large: break;  // never for an event (check() drops instead)
        }
    }
    metrics_.events_delivered += delivered;
    metrics_.events_dropped += dropped;
    if (subscribers.size() >= 1000 && log_enabled(log_level::debug)) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - now).count();
        log_line(log_level::debug, "fan-out of one event to " + std::to_string(subscribers.size()) +
                                       " subscribers queued in " + std::to_string(us) + " us");
    }
}

std::shared_ptr<const token_table> ws_server::tokens() const {
    std::lock_guard<std::mutex> lock(tokens_mu_);
    return tokens_;
}

std::optional<identity> ws_server::authenticate(const connection_ptr& con) {
    std::string path;
    std::map<std::string, std::string> query;
    split_resource(con->get_resource(), path, query);
    if (dev_mode_) {
        // Development mode: anyone on loopback may do everything; `?user=` names them for presence.
        auto u = query.find("user");
        return identity{rights::allow_all(u != query.end() && !u->second.empty() ? u->second : "anonymous"), ""};
    }
    std::string token;
    if (auto t = query.find("token"); t != query.end()) token = t->second;
    std::string auth = con->get_request_header("Authorization");
    // The scheme is case-insensitive (RFC 7235): "Bearer", "bearer", "BEARER".
    if (token.empty() && iequals_prefix(auth, "bearer ")) {
        token = auth.substr(7);
        while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    }
    auto table = tokens();
    auto it = table->find(token);
    if (token.empty() || it == table->end()) return std::nullopt;
    return identity{it->second, token};
}

bool ws_server::origin_allowed(const connection_ptr& con, const char* what) {
    const std::string origin = con->get_request_header("Origin");
    if (origins_.allows(origin)) return true;
    metrics_.origin_refusals++;
    log_line(log_level::warn, std::string("refused ") + what + " from " + con->get_remote_endpoint() + ": Origin '" +
                                  log_text(origin) + "' is not in --allowed-origins (" + origins_.describe() + ")");
    con->set_status(websocketpp::http::status_code::forbidden);
    con->replace_header("Content-Type", "application/json");
    con->set_body("{\"error\":\"FORBIDDEN\",\"message\":\"this Origin is not allowed; see --allowed-origins\"}");
    return false;
}

// With tokens, one budget per token: every connection and REST request of the token shares it.
// Without, WebSocket publishes keep their connection's own message limit only (the load generator
// publishes from many connections of one address), and REST is limited per client address.
std::string ws_server::mutation_key(const identity& id, const std::string& remote_ip) const {
    if (!id.token.empty()) return "token:" + id.token;
    return "addr:" + remote_ip;
}

bool ws_server::on_validate(websocketpp::connection_hdl hdl) {
    connection_ptr con = ep_.get_con_from_hdl(hdl);
    if (!origin_allowed(con, "WebSocket upgrade")) return false;
    std::string path;
    std::map<std::string, std::string> query;
    split_resource(con->get_resource(), path, query);
    if (path != cfg_.ws_path) {
        con->set_status(websocketpp::http::status_code::not_found);
        con->set_body("{\"error\":\"NOT_FOUND\",\"message\":\"WebSocket endpoint is " + cfg_.ws_path + "\"}");
        return false;
    }
    // RFC 6455 4.1/4.2.1: the key is base64 of 16 bytes; anything else is not a WebSocket client.
    if (!proto::valid_websocket_key(con->get_request_header("Sec-WebSocket-Key"))) {
        con->set_status(websocketpp::http::status_code::bad_request);
        con->replace_header("Content-Type", "application/json");
        con->set_body("{\"error\":\"BAD_REQUEST\",\"field\":\"Sec-WebSocket-Key\",\"message\":\"Sec-WebSocket-Key must be "
                      "the base64 encoding of 16 bytes (RFC 6455 4.1)\"}");
        return false;
    }
    if (auto bad = bad_client_text(query)) {
        con->set_status(websocketpp::http::status_code::bad_request);
        con->replace_header("Content-Type", "application/json");
        con->set_body(*bad);
        return false;
    }
    if (stopping_) return false;
    std::lock_guard<std::mutex> lock(conns_mu_);
    handshaking_.insert(hdl.lock().get());
    return true;
}

void ws_server::on_fail(websocketpp::connection_hdl hdl) {
    auto key = hdl.lock();
    std::lock_guard<std::mutex> lock(conns_mu_);
    handshaking_.erase(key.get());
    if (stopping_ && conns_.empty() && handshaking_.empty()) asio::post(io_, [this] { io_.stop(); });
}

void ws_server::on_open(websocketpp::connection_hdl hdl) {
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    if (ec) return;
    std::optional<identity> who = authenticate(con);
    std::string remote = con->get_remote_endpoint();
    if (!who) {
        {
            std::lock_guard<std::mutex> lock(conns_mu_);
            handshaking_.erase(hdl.lock().get());
        }
        metrics_.auth_failures++;
        log_line(log_level::warn, "auth failed from " + remote + " (missing or unknown token)");
        // No connection state yet, so not the one send path: one small frame, then the close.
        ec = con->send(proto::encode_error(nullptr, proto::error_code::auth_required,
                                           "a valid token is required: connect with ?token=... or Authorization: Bearer"),
                       websocketpp::frame::opcode::text);
        con->close(proto::close_code::auth_failed, "auth required", ec);
        return;
    }
    auto ctx = std::make_shared<conn_context>(
        next_id_++, std::move(who->who), std::move(who->token), proto::token_bucket(cfg_.rate_per_s, cfg_.rate_burst),
        proto::output_limit(proto::output_limit_config{cfg_.slow_soft_bytes, cfg_.slow_grace, cfg_.slow_hard_bytes}));
    ctx->handle = hdl;
    ctx->remote = remote;
    ctx->violations = proto::violation_count(cfg_.abuse_decay);
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        handshaking_.erase(hdl.lock().get());
        conns_[hdl.lock().get()] = ctx;
    }
    if (stopping_) {  // opened while shutting down: it goes the same way as the others
        con->close(proto::close_code::going_away, "server shutting down", ec);
    }
    metrics_.connections++;
    metrics_.connections_total++;
    log_line(log_level::debug, "connect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + " from " + remote);
}

void ws_server::on_close(websocketpp::connection_hdl hdl) {
    std::shared_ptr<conn_context> ctx;
    {
        auto key = hdl.lock();
        std::lock_guard<std::mutex> lock(conns_mu_);
        auto it = conns_.find(key.get());
        if (it == conns_.end()) return;
        ctx = it->second;
        conns_.erase(it);
    }
    hub_.disconnect(*ctx);
    metrics_.connections--;
    std::error_code ec;
    if (log_enabled(log_level::debug)) {
        connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
        std::string why = con ? " code=" + std::to_string(con->get_remote_close_code()) + " local=" +
                                    std::to_string(con->get_local_close_code())
                              : "";
        log_line(log_level::debug, "disconnect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + why);
    }
    if (stopping_) {
        std::lock_guard<std::mutex> lock(conns_mu_);
        if (conns_.empty() && handshaking_.empty()) asio::post(io_, [this] { io_.stop(); });
    }
}

void ws_server::on_message(websocketpp::connection_hdl hdl, message_ptr msg) {
    auto ctx = find(hdl);
    if (!ctx) return;
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    if (ec) return;
    metrics_.messages_received++;
    if (!admit_message(*ctx, con)) return;
    if (msg->get_opcode() != websocketpp::frame::opcode::text) {
        metrics_.bad_requests++;
        reply(*ctx, con, proto::encode_error(nullptr, proto::error_code::bad_request, "binary frames are not supported; send JSON text"));
        return;
    }
    handle_message(*ctx, con, msg->get_payload());
}

// The per-connection message rate limit, for every client message: data frames and pings alike.
// Returns true if the message may be handled. Otherwise it is dropped unread: answered with
// RATE_LIMITED, or, once the decaying violation count reaches --abuse-close-after, the connection
// is closed with 1008 (and later messages are dropped silently). Called from the connection's handlers.
bool ws_server::admit_message(conn_context& ctx, const connection_ptr& con) {
    const auto now = steady::now();
    {
        std::lock_guard<std::mutex> lock(ctx.out_mu);
        if (ctx.close_requested) return false;
    }
    if (ctx.bucket.try_take(now)) return true;
    metrics_.rate_limited++;
    const std::uint64_t n = ctx.violations.record(now);
    if (n >= static_cast<std::uint64_t>(cfg_.abuse_close_after)) {
        metrics_.abuse_disconnects++;
        log_line(log_level::warn, "conn " + std::to_string(ctx.id) + " user=" + log_text(ctx.who.user) +
                                      ": rate limit exceeded " + std::to_string(n) + " times (decaying), closing " +
                                      std::to_string(proto::close_code::policy_violation));
        std::lock_guard<std::mutex> lock(ctx.out_mu);
        post_close_locked(ctx, proto::close_code::policy_violation, "rate limit abuse");
        return false;
    }
    reply(ctx, con, proto::encode_error(nullptr, proto::error_code::rate_limited,
                                        "more than " + std::to_string(static_cast<int>(cfg_.rate_per_s)) +
                                            " messages per second; slow down"));
    return false;
}

// A WebSocket ping from the client: counts in its message rate, and its pong (which websocketpp
// queues when this returns true) in its output limit, like any reply.
bool ws_server::on_ping(websocketpp::connection_hdl hdl, const std::string& payload) {
    auto ctx = find(hdl);
    if (!ctx) return false;
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    if (ec) return false;
    metrics_.messages_received++;
    if (!admit_message(*ctx, con)) return false;
    // A pong's header is 2 bytes (control payloads are at most 125).
    return deliver(*ctx, con, payload.size() + 2, false, steady::now(), [] { return std::error_code{}; }) ==
           send_status::sent;
}

void ws_server::handle_message(conn_context& ctx, const connection_ptr& con, std::string_view text) {
    proto::decode_limits limits;
    limits.max_message_bytes = cfg_.max_frame_bytes;
    auto decoded = proto::decode_client(text, limits);
    if (!decoded) {
        metrics_.bad_requests++;
        reply(ctx, con, proto::encode_error(decoded.error().id, decoded.error().error.code, decoded.error().error.message));
        return;
    }
    const proto::client_message& m = *decoded;
    if (!ctx.presence.empty()) hub_.touch_presence(ctx, wall_ms());
    std::optional<proto::protocol_error> err;
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, proto::subscribe_msg>) {
                err = hub_.subscribe(ctx, m.id, b);
            } else if constexpr (std::is_same_v<T, proto::unsubscribe_msg>) {
                err = hub_.unsubscribe(ctx, m.id, b);
            } else if constexpr (std::is_same_v<T, proto::publish_msg>) {
                // With tokens, publishes also draw from the token's budget, shared with REST.
                if (!ctx.token.empty() && !mutations_.try_take("token:" + ctx.token, steady::now())) {
                    metrics_.rate_limited++;
                    err = proto::protocol_error{proto::error_code::rate_limited,
                                                "too many changes for this token (WebSocket and REST share one limit); slow down"};
                    return;
                }
                auto r = hub_.publish(ctx.who, b);
                if (r) reply(ctx, con, proto::encode_published(m.id, b.entity, r.value()));
                else err = r.error();
            } else if constexpr (std::is_same_v<T, proto::presence_msg>) {
                err = hub_.presence(ctx, b);
            } else {
                reply(ctx, con, proto::encode_pong(m.id, b.timestamp));
            }
        },
        m.body);
    if (err) {
        metrics_.bad_requests++;
        reply(ctx, con, proto::encode_error(m.id, err->code, err->message));
    }
}

void ws_server::on_http(websocketpp::connection_hdl hdl) {
    connection_ptr con = ep_.get_con_from_hdl(hdl);
    if (!origin_allowed(con, "HTTP request")) return;
    std::string path;
    std::map<std::string, std::string> query;
    split_resource(con->get_resource(), path, query);
    if (auto bad = bad_client_text(query)) {
        con->set_status(websocketpp::http::status_code::bad_request);
        con->replace_header("Content-Type", "application/json");
        con->set_body(*bad);
        return;
    }
    // The same token rules as the WebSocket handshake: ?token= or Authorization: Bearer.
    std::optional<identity> who = authenticate(con);
    if (!who && path != "/healthz") metrics_.auth_failures++;
    std::error_code ec;
    std::string remote_ip;
    if (auto ep = con->get_raw_socket().remote_endpoint(ec); !ec) remote_ip = ep.address().to_string();
    http_call call;
    call.method = con->get_request().get_method();
    call.path = path;
    call.query = &query;
    call.body = con->get_request_body();
    const std::string content_type = con->get_request_header("Content-Type");
    call.content_type = content_type;
    call.who = who ? &who->who : nullptr;
    call.take_mutation = [&] {
        if (mutations_.try_take(mutation_key(*who, remote_ip), steady::now())) return true;
        metrics_.rate_limited++;
        return false;
    };
    call.metrics_text = [this] { return render_metrics(); };
    http_response r = handle_http(hub_, call);
    con->set_status(static_cast<websocketpp::http::status_code::value>(r.status));
    con->replace_header("Content-Type", r.content_type);
    if (!r.link.empty()) con->replace_header("Link", r.link);
    con->set_body(r.body);
}

void ws_server::on_pong(websocketpp::connection_hdl hdl) {
    // Only presence members need the hub lock; c.presence changes only in this connection's handlers.
    if (auto ctx = find(hdl); ctx && !ctx->presence.empty()) hub_.touch_presence(*ctx, wall_ms());
}

void ws_server::on_pong_timeout(websocketpp::connection_hdl hdl) {
    metrics_.heartbeat_timeouts++;
    auto ctx = find(hdl);
    if (ctx) log_line(log_level::info, "conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + ": no pong, closing");
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    // The peer is gone: don't wait for a close handshake it will never answer.
    if (con) con->terminate(ec);
}

std::string ws_server::render_metrics() {
    metrics_extra x;
    auto s = hub_.snapshot_stats();
    x.streams = s.streams;
    x.buffered_events = s.buffered_events;
    x.buffered_bytes = s.buffered_bytes;
    x.idle_streams = s.idle_streams;
    x.idle_stream_bytes = s.idle_stream_bytes;
    x.subscribers_by_name = std::move(s.subscribers_by_name);
    std::vector<std::shared_ptr<conn_context>> all;
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        for (auto& [k, c] : conns_) all.push_back(c);
    }
    for (auto& c : all) {
        std::error_code ec;
        if (auto con = ep_.get_con_from_hdl(c->handle, ec); !ec && con) x.bytes_queued += con->get_buffered_amount();
    }
    return render_prometheus(metrics_, x);
}

void ws_server::schedule_sweep() {
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return;
        guarded("sweep timer", {}, [this] {
            std::int64_t now = wall_ms();
            hub_.sweep(now);
            mutations_.sweep(steady::now());
            hub_.expire_presence(now, cfg_.presence_timeout.count());
        });
        schedule_sweep();
    });
}

void ws_server::schedule_ping() {
    // Each connection is pinged once per interval, in slices spread over it (a slice every 100 ms),
    // so 10k pings and pongs never land in one burst: pinging 500 connections at once measurably
    // delayed events (boards p99 28 ms with bursts vs 3 ms without).
    const auto tick = std::chrono::milliseconds(100);
    const std::uint64_t slices = std::max<std::uint64_t>(1, cfg_.ping_interval / tick);
    ping_timer_.expires_after(cfg_.ping_interval / slices);
    ping_timer_.async_wait([this, slices](const std::error_code& ec) {
        if (ec) return;
        guarded("ping timer", {}, [&] {
            const std::uint64_t slice = ping_slice_++ % slices;
            std::vector<std::weak_ptr<void>> hdls;
            {
                std::lock_guard<std::mutex> lock(conns_mu_);
                hdls.reserve(conns_.size() / slices + 1);
                for (auto& [k, c] : conns_)
                    if (c->id % slices == slice) hdls.push_back(c->handle);
            }
            for (auto& h : hdls) {
                std::error_code e;
                ep_.ping(h, "", e);
            }
        });
        schedule_ping();
    });
}

void ws_server::wait_signal() {
    signals_.async_wait([this](const std::error_code& e, int signo) {
        if (e) return;
        if (signo == SIGHUP) {
            guarded("SIGHUP reload", {}, [this] { reload_tokens(); });
            wait_signal();
            return;
        }
        begin_shutdown(signo);
    });
}

// SIGHUP: the tokens file is read and checked against the spec; a bad file changes nothing.
// Then every connection is held to the new table: its token gone → close 4001; its rights
// changed → close 4003 (the client reconnects and gets the new rights). Others stay untouched.
void ws_server::reload_tokens() {
    if (dev_mode_) {
        log_line(log_level::warn, "SIGHUP: no --tokens file to reload (development mode); nothing changed");
        return;
    }
    auto loaded = load_tokens_file(cfg_.tokens_path, app_);
    if (!loaded) {
        metrics_.token_reload_failures++;
        log_line(log_level::error, "SIGHUP: tokens file rejected, keeping the previous tokens:");
        std::string_view rest = loaded.error();
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            log_line(log_level::error, "  " + std::string(rest.substr(0, nl)));
            if (nl == std::string_view::npos) break;
            rest.remove_prefix(nl + 1);
        }
        return;
    }
    auto table = std::make_shared<const token_table>(std::move(*loaded));
    {
        std::lock_guard<std::mutex> lock(tokens_mu_);
        tokens_ = table;
    }
    metrics_.token_reloads++;
    std::vector<std::pair<std::weak_ptr<void>, websocketpp::close::status::value>> to_close;
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        for (auto& [k, c] : conns_) {
            auto it = table->find(c->token);
            if (it == table->end()) to_close.emplace_back(c->handle, proto::close_code::auth_failed);
            else if (it->second != c->who) to_close.emplace_back(c->handle, proto::close_code::rights_changed);
        }
    }
    std::size_t revoked = 0, changed = 0;
    for (auto& [hdl, code] : to_close) {
        (code == proto::close_code::auth_failed ? revoked : changed)++;
        std::error_code ec;
        ep_.close(hdl, code, code == proto::close_code::auth_failed ? "token revoked" : "token rights changed; reconnect", ec);
    }
    log_line(log_level::info, "SIGHUP: reloaded " + cfg_.tokens_path + " (" + std::to_string(table->size()) +
                                  " tokens); closed " + std::to_string(revoked) + " connections with " +
                                  std::to_string(proto::close_code::auth_failed) + " (token revoked), " +
                                  std::to_string(changed) + " with " + std::to_string(proto::close_code::rights_changed) +
                                  " (rights changed)");
}

void ws_server::begin_shutdown(int signo) {
    if (stopping_.exchange(true)) return;
    log_line(log_level::info, std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                  ": closing connections with " + std::to_string(proto::close_code::going_away));
    std::error_code ec;
    ep_.stop_listening(ec);
    sweep_timer_.cancel();
    ping_timer_.cancel();
    std::vector<std::weak_ptr<void>> hdls;
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        for (auto& [k, c] : conns_) hdls.push_back(c->handle);
        if (conns_.empty() && handshaking_.empty()) {
            asio::post(io_, [this] { io_.stop(); });
            return;
        }
    }
    for (auto& h : hdls) ep_.close(h, proto::close_code::going_away, "server shutting down", ec);
    shutdown_timer_.expires_after(cfg_.shutdown_grace);
    shutdown_timer_.async_wait([this](const std::error_code& e) {
        if (!e) io_.stop();
    });
}

int ws_server::run() {
    std::error_code ec;
    ep_.init_asio(&io_, ec);
    if (ec) { std::fprintf(stderr, "rt serve: error: %s\n", ec.message().c_str()); return 1; }
    ep_.set_reuse_addr(true);
    ep_.set_listen_backlog(4096);  // 10k clients connecting at once must not see refusals
    ep_.set_max_message_size(cfg_.max_frame_bytes);
    ep_.set_max_http_body_size(cfg_.max_frame_bytes);
    ep_.set_pong_timeout(cfg_.pong_timeout.count());
    // Every handler runs guarded: a failure closes that connection with 1011, never the process.
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
        if (!guarded("http", h, [&] { on_http(h); })) {
            std::error_code e;
            if (auto con = ep_.get_con_from_hdl(h, e); !e && con) {
                con->replace_header("Content-Type", "application/json");
                con->set_body("{\"error\":\"INTERNAL\",\"message\":\"the server failed on this request; it is logged\"}");
            }
        }
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
    ep_.set_tcp_pre_init_handler([this](websocketpp::connection_hdl h) {
        std::error_code e;
        connection_ptr con = ep_.get_con_from_hdl(h, e);
        if (e || !con) return;
        auto& s = con->get_raw_socket();
        s.set_option(asio::ip::tcp::no_delay(true), e);  // events are small and latency-bound
        if (cfg_.socket_send_buffer_bytes > 0)
            s.set_option(asio::socket_base::send_buffer_size(static_cast<int>(cfg_.socket_send_buffer_bytes)), e);
    });

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
            own = "http://" + (at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string()) +
                  ":" + std::to_string(at.port());
        origins_ = cfg_.allowed_origins.empty() ? origin_policy::local_default(own) : *origin_policy::parse(cfg_.allowed_origins);
    }
    ep_.start_accept(ec);
    if (ec) { std::fprintf(stderr, "rt serve: error: accept: %s\n", ec.message().c_str()); return 1; }
    auto bound = ep_.get_local_endpoint(ec);
    std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();

    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    wait_signal();
    schedule_sweep();
    schedule_ping();

    std::fprintf(stderr, "rt serve: listening on ws://%s:%u%s (REST on http://%s:%u/api, %d threads)\n", host.c_str(),
                 bound.port(), cfg_.ws_path.c_str(), host.c_str(), bound.port(), cfg_.threads);
    std::fprintf(stderr, "rt serve: allowed browser origins: %s\n", origins_.describe().c_str());
    std::fflush(stderr);

    std::vector<std::thread> threads;
    for (int i = 1; i < cfg_.threads; ++i) threads.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : threads) t.join();
    log_line(log_level::info, "stopped");
    return 0;
}

// --listen's host: an IP address as written, or a name resolved once, here, before anything is
// printed (`localhost` → its first address, 127.0.0.1 on the usual /etc/hosts). The error names the host.
result<asio::ip::address, std::string> resolve_listen_host(const std::string& host) {
    std::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) return address;
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto found = resolver.resolve(host, "", asio::ip::resolver_base::address_configured, ec);
    if (ec || found.empty())
        return make_unexpected("--listen host '" + host + "' is neither an IP address nor a name that resolves" +
                               (ec ? " (" + ec.message() + ")" : std::string()));
    // Prefer IPv4 when a name has both (localhost → 127.0.0.1, what clients try first).
    for (const auto& e : found)
        if (e.endpoint().address().is_v4()) return e.endpoint().address();
    return found.begin()->endpoint().address();
}

}  // namespace

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
    if (cfg.tokens_path.empty() && !cfg.insecure && !listen_address->is_loopback()) {
        std::fprintf(stderr, "rt serve: error: --listen host '%s' resolves to %s, not a loopback address: without "
                     "--tokens (or --insecure) rt serve listens on loopback only\n",
                     cfg.listen_host.c_str(), listen_address->to_string().c_str());
        return 2;
    }
    log_level lvl;
    if (!parse_log_level(cfg.log_level, lvl)) {
        std::fprintf(stderr, "rt serve: error: --log-level '%s': expected debug, info, warn, error or off\n",
                     cfg.log_level.c_str());
        return 2;
    }
    set_log_level(lvl);
    auto app = spec::load_spec_file(cfg.spec_path);
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
    if (tokens.empty())
        std::fprintf(stderr, "rt serve: no --tokens: development mode, every client may do everything%s\n",
                     cfg.insecure ? " (--insecure)" : "; listening on loopback only");
    ws_server server(cfg, *listen_address, *app, **db, std::move(tokens));
    return server.run();
}

}  // namespace rt::server
