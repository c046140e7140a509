// GET /sse: one subscription as a text/event-stream (docs/protocol.md "SSE"), on the same port,
// plain or TLS, as WebSocket and REST.
//
// websocketpp answers HTTP with whole responses only, so the request is answered here: websocketpp
// has read and parsed it (its parser, its Origin and URL handling); on_sse authenticates it like a
// WebSocket handshake, subscribes through the same hub::subscribe, then defers websocketpp's
// response (which also stops its handshake timer) and writes the stream itself on the
// connection's socket — the socket policy's stream, so TLS included — on the connection's strand.
// websocketpp no longer reads or writes that socket; the stream ends with connection::terminate,
// which shuts the socket down and lets websocketpp drop the connection.
//
// Everything queued goes through the one send path (deliver, with the stream's queued bytes for
// the output limit): the response head, `subscribed` as snapshot/resumed, replayed and live events,
// heartbeats. A read stays pending for the whole stream: the client sends nothing after its
// request, so its completion (EOF or error) means the client went away.
//
// Life of a stream: on_sse → [sse_write ↔ sse_on_written]* with sse_read pending and the heartbeat
// armed → sse_finish (client gone, write failed, or after the server's `error` event: sse_end_locked).
#include "protocol/close_codes.hpp"
#include "protocol/sse_events.hpp"
#include "server/cors.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

namespace {

// How long the server waits for an ending stream's queue (its `error` event last) to be written
// before it closes anyway: a slow consumer may never read it, and shutdown must finish within
// --shutdown-grace (1.5 s).
constexpr std::chrono::milliseconds k_sse_end_flush{1000};

// Texts handed to one write: a burst of events leaves in one gathered write, and a long queue does
// not build a long buffer list.
constexpr std::size_t k_sse_write_batch = 64;

// The HTTP status of an error refusing a stream before it starts.
int sse_refusal_status(proto::error_code c) {
    switch (c) {
        case proto::error_code::unknown_subscription: return 404;
        case proto::error_code::forbidden:
        case proto::error_code::auth_required: return 403;
        case proto::error_code::too_large: return 413;
        default: return 400;
    }
}

// The response head and the stream's first line (retry:), written before any event.
std::string sse_head(const std::string& origin) {
    websocketpp::http::parser::response head;
    head.set_version("HTTP/1.1");
    head.set_status(websocketpp::http::status_code::ok);
    head.replace_header("Content-Type", "text/event-stream");
    head.replace_header("Cache-Control", "no-cache");
    head.replace_header("X-Accel-Buffering", "no");  // nginx and the like: do not buffer the stream
    head.replace_header("Connection", "close");      // no Content-Length: the body ends with the connection
    for (auto& [name, value] : cors_response_headers(origin)) head.replace_header(name, value);
    return head.raw() + proto::sse_preamble();
}

}  // namespace

void ws_server::on_sse(const connection_ptr& con, const std::map<std::string, std::string>& query) {
    if (con->get_request().get_method() != "GET")
        return http_error(con, 405, proto::error_code::bad_request, "use GET /sse?subscription=NAME");
    if (stopping_) return http_error(con, 503, proto::error_code::bad_request, "the server is shutting down");
    const std::string remote = con->get_remote_endpoint();
    // The same token rules as the WebSocket handshake: ?token= or Authorization: Bearer.
    result<identity, std::string> who = state_.access.authenticate(query, con->get_request_header("Authorization"));
    if (!who) {
        state_.metrics.auth_failures++;
        log_line(log_level::warn, "SSE auth failed from " + remote + " (" + log_text(who.error()) + ")");
        return http_error(con, 403, proto::error_code::forbidden,
                          "a valid token is required: ?token=... or Authorization: Bearer (" + who.error() + ")");
    }
    auto request = proto::sse_subscribe_request(query, con->get_request_header("Last-Event-ID"), cfg_.decode);
    if (!request) {
        return http_error(con, sse_refusal_status(request.error().code), request.error().code, request.error().message);
    }

    auto ctx = make_context(std::move(*who), con->get_handle(), remote);
    ctx->sse = std::make_shared<sse_stream>(con, io_);
    ctx->sse->owner = ctx;
    sse_stream& s = *ctx->sse;
    s.resumed_from = request->since;
    // The head is queued first and nothing is written until the hub has said yes: events the hub
    // sends meanwhile queue up behind it; a refusal discards it and answers 4xx instead.
    sse_deliver(*ctx, std::make_shared<const std::string>(sse_head(con->get_request_header("Origin"))), false, steady::now());
    if (auto r = state_.hub.subscribe(*ctx, nullptr, *request); !r) {
        s.gone = true;
        s.con.reset();
        return http_error(con, sse_refusal_status(r.error().code), r.error().code, r.error().message);
    }
    if (std::error_code ec = con->defer_http_response()) {  // cannot fail in the HTTP handler
        fail(ec, "defer SSE response");
        state_.hub.disconnect(*ctx);
        s.gone = true;
        s.con.reset();
        return http_error(con, 500, proto::error_code::bad_request, "the stream could not start");
    }
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        conns_[con->get_handle().lock().get()] = ctx;
        s.registered = true;
    }
    state_.metrics.connections++;
    state_.metrics.connections_total++;
    state_.metrics.sse_connections++;
    state_.metrics.sse_connections_total++;
    log_line(log_level::debug, "SSE connect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) +
                                   " from " + remote + " subscription=" + log_text(request->subscription));
    {
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        s.started = true;
        s.writing = true;
        // Began while shutting down (begin_shutdown did not see it): it ends the same way as the others.
        if (stopping_) post_close_locked(*ctx, proto::close_code::going_away, "server shutting down");
    }
    sse_write(ctx);
    sse_read(ctx);
    sse_schedule_heartbeat(ctx);
}

send_status ws_server::sse_deliver(conn_context& c, const frame_ptr& text, bool droppable, steady::time_point now) {
    return deliver(c, [&] { return c.sse->queued_bytes.load(); }, text->size(), droppable, now, [&] {
        sse_push_locked(c, text);
        return std::error_code{};
    });
}

void ws_server::sse_push_locked(conn_context& c, const frame_ptr& text) {
    sse_stream& s = *c.sse;
    s.queue.push_back(text);
    s.queued_bytes += text->size();
    if (!s.started || s.writing) return;
    s.writing = true;
    if (auto ctx = s.owner.lock()) asio::post(*s.strand, [this, ctx] { sse_write(ctx); });
}

// Runs on the strand (or in on_sse, on it too): hands the queued texts to one gathered write, or,
// with nothing queued, ends the write loop (and the stream, when the server is ending it).
void ws_server::sse_write(const std::shared_ptr<conn_context>& ctx) {
    sse_stream& s = *ctx->sse;
    if (s.gone) return;
    bool finished = false;
    {
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        if (s.queue.empty()) {
            s.writing = false;
            finished = s.ending;
        } else {
            while (!s.queue.empty() && s.in_flight.size() < k_sse_write_batch) {
                s.in_flight.push_back(std::move(s.queue.front()));
                s.queue.pop_front();
            }
        }
    }
    if (finished) return sse_finish(ctx, "ended by the server");
    if (s.in_flight.empty()) return;
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(s.in_flight.size());
    for (const auto& t : s.in_flight) buffers.push_back(asio::buffer(*t));
    asio::async_write(s.con->get_socket(), buffers, s.strand->wrap([this, ctx](const std::error_code& ec, std::size_t) {
        if (!guarded("SSE write", ctx->handle, [&] { sse_on_written(ctx, ec); })) sse_finish(ctx, "write handler failed");
    }));
}

void ws_server::sse_on_written(const std::shared_ptr<conn_context>& ctx, const std::error_code& ec) {
    sse_stream& s = *ctx->sse;
    std::uint64_t written = 0;
    for (const auto& t : s.in_flight) written += t->size();
    s.in_flight.clear();
    s.queued_bytes -= written;
    if (s.gone) return;
    if (ec) {
        fail(ec, "SSE write");
        return sse_finish(ctx, "write failed");
    }
    sse_write(ctx);
}

// The pending read: EOF or an error is the client leaving (or the socket shut down by sse_finish).
// Bytes are discarded: an EventSource sends nothing after its request.
void ws_server::sse_read(const std::shared_ptr<conn_context>& ctx) {
    sse_stream& s = *ctx->sse;
    s.con->get_socket().async_read_some(
        asio::buffer(s.read_buf), s.strand->wrap([this, ctx](const std::error_code& ec, std::size_t) {
            if (ctx->sse->gone) return;
            if (ec) return sse_finish(ctx, "client went away");
            sse_read(ctx);
        }));
}

void ws_server::sse_schedule_heartbeat(const std::shared_ptr<conn_context>& ctx) {
    sse_stream& s = *ctx->sse;
    s.heartbeat.expires_after(cfg_.sse_heartbeat);
    s.heartbeat.async_wait(s.strand->wrap([this, ctx](const std::error_code& ec) {
        if (ec || ctx->sse->gone) return;
        // Droppable like an event: a stream that far behind has no use for a ping.
        guarded("SSE heartbeat", ctx->handle, [&] { sse_deliver(*ctx, sse_ping_, true, steady::now()); });
        sse_schedule_heartbeat(ctx);
    }));
}

void ws_server::sse_end_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason) {
    sse_stream& s = *c.sse;
    if (s.ending) return;
    s.ending = true;
    auto ctx = s.owner.lock();
    if (!ctx) return;
    log_line(log_level::debug, "SSE conn " + std::to_string(c.id) + ": ending the stream (" + reason + ")");
    // Past the output limit on purpose: the last few bytes that say why (close_requested now
    // refuses anything else).
    auto text = std::make_shared<const std::string>(proto::sse_end_event(code, reason));
    s.queue.push_back(text);
    s.queued_bytes += text->size();
    if (s.started && !s.writing) {
        s.writing = true;
        asio::post(*s.strand, [this, ctx] { sse_write(ctx); });
    }
    asio::post(*s.strand, [this, ctx] {
        sse_stream& st = *ctx->sse;
        if (st.gone) return;
        st.end_timer.expires_after(k_sse_end_flush);
        st.end_timer.async_wait(st.strand->wrap([this, ctx](const std::error_code& ec) {
            if (!ec) sse_finish(ctx, "its last bytes were not read in time");
        }));
    });
}

// On the strand. Idempotent.
void ws_server::sse_finish(const std::shared_ptr<conn_context>& ctx, const char* why) {
    sse_stream& s = *ctx->sse;
    if (s.gone) return;
    s.gone = true;
    {
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        ctx->close_requested = true;  // nothing more is queued
    }
    std::error_code ec;
    s.heartbeat.cancel(ec);
    s.end_timer.cancel(ec);
    state_.hub.disconnect(*ctx);
    if (s.registered) {
        {
            std::lock_guard<std::mutex> lock(conns_mu_);
            conns_.erase(ctx->handle.lock().get());
        }
        state_.metrics.connections--;
        state_.metrics.sse_connections--;
    }
    log_line(log_level::debug, "SSE disconnect conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + ": " + why);
    // terminate() shuts the socket down (TLS: close_notify first, websocketpp bounds the wait) and
    // lets websocketpp drop the connection; http_connection_ended: not a failure, no fail handler.
    // Our pending read is cancelled first, so the TLS shutdown's read is the only one. A write
    // still under way (the client stopped reading) cannot be followed by a close_notify: then the
    // TCP connection is shut down at once, and both fail.
    if (s.in_flight.empty()) s.con->get_raw_socket().cancel(ec);
    else s.con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    s.con->terminate(websocketpp::error::make_error_code(websocketpp::error::http_connection_ended));
    s.con.reset();
    if (stopping_) {
        std::lock_guard<std::mutex> lock(conns_mu_);
        stop_if_drained_locked();
    }
}

}  // namespace rt::server
