// One connection's handlers (the per-connection session): the handshake, open and close, and each
// client message: rate limit → decode → dispatch (message_dispatch.cpp), the reply through the
// one send path (ws_delivery.cpp).
#include "protocol/close_codes.hpp"
#include "protocol/messages.hpp"
#include "protocol/text_check.hpp"
#include "server/http_api.hpp"
#include "server/log.hpp"
#include "server/message_dispatch.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

std::shared_ptr<conn_context> ws_server::find(const websocketpp::connection_hdl& hdl) {
    auto key = hdl.lock();
    std::lock_guard<std::mutex> lock(conns_mu_);
    auto it = conns_.find(key.get());
    return it == conns_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<conn_context>> ws_server::open_connections() {
    std::vector<std::shared_ptr<conn_context>> all;
    std::lock_guard<std::mutex> lock(conns_mu_);
    all.reserve(conns_.size());
    for (auto& [k, c] : conns_) all.push_back(c);
    return all;
}

void ws_server::stop_if_drained_locked() {
    if (stopping_ && conns_.empty() && handshaking_.empty()) asio::post(io_, [this] { io_.stop(); });
}

bool ws_server::on_validate(websocketpp::connection_hdl hdl) {
    connection_ptr con = connection(hdl, "validate");
    if (!con) return false;
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
    if (auto text_ok = check_client_text(query); !text_ok) {
        con->set_status(websocketpp::http::status_code::bad_request);
        con->replace_header("Content-Type", "application/json");
        con->set_body(text_ok.error());
        return false;
    }
    if (stopping_) return false;
    std::lock_guard<std::mutex> lock(conns_mu_);
    handshaking_.insert(hdl.lock().get());
    return true;
}

void ws_server::on_fail(websocketpp::connection_hdl hdl) {
    auto key = hdl.lock();
    // A failed TLS handshake (a plain ws:// or http:// client on a --tls-cert port, an old TLS
    // version, a client that refused the certificate) is said once: nothing else would show it.
    if (connection_ptr con = connection(hdl, "fail"); con && con->is_secure() && con->get_ec() &&
                                                       con->get_ec().category() == asio::error::get_ssl_category()) {
        log_line(log_level::warn, "TLS handshake failed from " + con->get_remote_endpoint() + ": " +
                                      log_text(con->get_ec().message()));
    }
    std::lock_guard<std::mutex> lock(conns_mu_);
    handshaking_.erase(key.get());
    stop_if_drained_locked();
}

void ws_server::on_open(websocketpp::connection_hdl hdl) {
    connection_ptr con = connection(hdl, "open");
    if (!con) return;
    std::string path;
    std::map<std::string, std::string> query;
    split_resource(con->get_resource(), path, query);
    result<identity, std::string> who = state_.access.authenticate(query, con->get_request_header("Authorization"));
    std::string remote = con->get_remote_endpoint();
    std::error_code ec;
    if (!who) {
        {
            std::lock_guard<std::mutex> lock(conns_mu_);
            handshaking_.erase(hdl.lock().get());
        }
        state_.metrics.auth_failures++;
        log_line(log_level::warn, "auth failed from " + remote + " (" + log_text(who.error()) + ")");
        // No connection state yet, so not the one send path: one small frame, then the close.
        ec = con->send(proto::encode_error(nullptr, proto::error_code::auth_required,
                                           "a valid token is required: connect with ?token=... or Authorization: Bearer (" +
                                               who.error() + ")"),
                       websocketpp::frame::opcode::text);
        if (ec) fail(ec, "AUTH_REQUIRED error");
        con->close(proto::close_code::auth_failed, "auth required", ec);
        if (ec) fail(ec, ("close " + std::to_string(proto::close_code::auth_failed)).c_str());
        return;
    }
    auto ctx = make_context(std::move(*who), hdl, remote);
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        handshaking_.erase(hdl.lock().get());
        conns_[hdl.lock().get()] = ctx;
        add_to_ping_slice_locked(*ctx);
    }
    if (stopping_) {  // opened while shutting down: it goes the same way as the others
        con->close(proto::close_code::going_away, "server shutting down", ec);
        if (ec) fail(ec, ("close " + std::to_string(proto::close_code::going_away)).c_str());
    }
    state_.metrics.connections++;
    state_.metrics.connections_total++;
    log_line(log_level::debug, "connect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + " from " + remote);
}

std::shared_ptr<conn_context> ws_server::make_context(identity&& who, const websocketpp::connection_hdl& hdl, std::string remote) {
    std::string budget_key = who.budget_key();  // before who's token and rights move into the context
    auto ctx = std::make_shared<conn_context>(
        next_id_++, std::move(who.who), std::move(who.token), proto::token_bucket(cfg_.rate_per_s, cfg_.rate_burst),
        proto::output_limit(cfg_.output));
    ctx->handle = hdl;
    ctx->remote = std::move(remote);
    ctx->budget_key = std::move(budget_key);
    ctx->expires_ms = who.expires_ms;
    ctx->violations = proto::violation_count(cfg_.abuse_decay);
    ctx->self = ctx;
    return ctx;
}

void ws_server::close_connection(const std::weak_ptr<void>& hdl, websocketpp::close::status::value code, const std::string& reason) {
    if (auto ctx = find(hdl); ctx && ctx->sse) {
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        post_close_locked(*ctx, code, reason);
        return;
    }
    std::error_code ec;
    ep_.close(hdl, code, reason, ec);
    if (ec) fail(ec, ("close " + std::to_string(code)).c_str());
}

void ws_server::on_close(websocketpp::connection_hdl hdl) {
    std::shared_ptr<conn_context> ctx;
    {
        auto key = hdl.lock();
        std::lock_guard<std::mutex> lock(conns_mu_);
        auto it = conns_.find(key.get());
        if (it == conns_.end()) return;  // refused at open (no token): it never joined
        ctx = it->second;
        conns_.erase(it);
    }
    state_.hub.disconnect(*ctx);
    state_.metrics.connections--;
    release_socket(hdl);
    if (log_enabled(log_level::debug)) {
        std::error_code ec;
        connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
        std::string why = con ? " code=" + std::to_string(con->get_remote_close_code()) + " local=" +
                                    std::to_string(con->get_local_close_code())
                              : "";
        log_line(log_level::debug, "disconnect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + why);
    }
    if (!stopping_) return;
    std::lock_guard<std::mutex> lock(conns_mu_);
    stop_if_drained_locked();
}

// The closing handshake is over and websocketpp has shut the socket down, but it keeps the
// connection, socket included, for as long as a timer holds it: a pong timer started by a ping the
// peer never answered because it was already closing lives up to --pong-timeout. So the descriptor
// is closed here, and rt_connections and the process's open sockets agree once on_close has run.
// Only on_close calls it (the connection's strand; nothing reads or writes the socket afterwards).
void ws_server::release_socket(const websocketpp::connection_hdl& hdl) {
    std::error_code ec;
    connection_ptr con = ep_.get_con_from_hdl(hdl, ec);
    if (!con) return;  // already gone: nothing to release
    con->get_raw_socket().close(ec);
    if (ec) fail(ec, "close socket");
}

void ws_server::on_message(websocketpp::connection_hdl hdl, message_ptr msg) {
    auto ctx = find(hdl);
    if (!ctx) return;  // refused at open: its frames are not read
    connection_ptr con = connection(hdl, "message");
    if (!con) return;
    state_.metrics.messages_received++;
    if (!admit_message(*ctx, con)) return;
    if (msg->get_opcode() != websocketpp::frame::opcode::text) {
        state_.metrics.bad_requests++;
        reply(*ctx, con, proto::encode_error(nullptr, proto::error_code::bad_request, "binary frames are not supported; send JSON text"));
        return;
    }
    dispatch_result r = dispatch_client_text(state_, *ctx, msg->get_payload());
    if (r.reply) reply(*ctx, con, *r.reply);
    if (r.close_code != 0) {
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        post_close_locked(*ctx, r.close_code, r.close_reason);
    }
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
    state_.metrics.rate_limited++;
    const std::uint64_t n = ctx.violations.record(now);
    if (n >= static_cast<std::uint64_t>(cfg_.abuse_close_after)) {
        state_.metrics.abuse_disconnects++;
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
    connection_ptr con = connection(hdl, "ping");
    if (!con) return false;
    state_.metrics.messages_received++;
    if (!admit_message(*ctx, con)) return false;
    return admit_pong(*ctx, con, payload.size());
}

}  // namespace rt::server
