// The one send path: every frame queued to a connection passes deliver() and its output limit.
// Also the hub's delivery_sink: send_to (one connection) and fan_out (one event, many connections).
#include "protocol/close_codes.hpp"
#include "protocol/sse_events.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

// The one send path. Every frame queued to a connection — events, replies, snapshots, replays,
// presence state, and (by on_ping, which lets websocketpp queue it) pongs — passes here: the
// connection's output_limit decides (check() for a droppable event, check_reply() for the rest),
// and only a `send` verdict calls send(), which queues the bytes and returns the transport's error.
// A disconnect verdict logs one line, counts one slow-consumer disconnect and posts the close.
// `queued()` is what is already queued for the connection: websocketpp's buffered amount for a
// WebSocket, the stream's own count for SSE (ws_sse.cpp), so both transports obey one policy.
// Takes c.out_mu (with or without the hub lock held); `queued` and `send` run under it and must
// not take it or the hub lock.
template <class Queued, class Send>
send_status ws_server::deliver(conn_context& c, Queued&& queued_bytes, std::uint64_t frame_bytes, bool droppable,
                               steady::time_point now, Send&& send) {
    std::lock_guard<std::mutex> lock(c.out_mu);
    if (c.close_requested) return send_status::closing;
    const std::uint64_t queued = queued_bytes();
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
    state_.metrics.slow_disconnects++;
    log_line(log_level::warn, "conn " + std::to_string(c.id) + " user=" + log_text(c.who.user) + ": slow consumer over its limit (" +
                                  std::to_string(queued) + " bytes queued, " + std::to_string(frame_bytes) +
                                  (droppable ? " more for an event" : " more for a reply") + "), closing " +
                                  std::to_string(proto::close_code::policy_violation));
    post_close_locked(c, proto::close_code::policy_violation, "slow consumer");
    return send_status::closing;
}

// A reply to this connection's own request, through the one send path.
send_status ws_server::reply(conn_context& c, const connection_ptr& con, const std::string& text) {
    return deliver(c, [&] { return con->get_buffered_amount(); }, text.size(), false, steady::now(),
                   [&] { return con->send(text, websocketpp::frame::opcode::text); });
}

bool ws_server::admit_pong(conn_context& c, const connection_ptr& con, std::size_t payload_bytes) {
    // A pong's header is 2 bytes (control payloads are at most 125).
    return deliver(c, [&] { return con->get_buffered_amount(); }, payload_bytes + 2, false, steady::now(), [] { return std::error_code{}; }) ==
           send_status::sent;
}

// Posts a close (once per connection); an SSE stream is ended with its `error` event instead.
// Caller holds c.out_mu.
void ws_server::post_close_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason) {
    if (c.close_requested) return;
    c.close_requested = true;
    if (c.sse) return sse_end_locked(c, code, reason);
    // Posted, never done from inside a fan-out loop (Redis freeClientAsync).
    asio::post(io_, [this, hdl = c.handle, code, reason] {
        guarded("posted close", hdl, [&] {
            std::error_code ec;
            ep_.close(hdl, code, reason, ec);
            if (ec) fail(ec, "posted close");
        });
    });
}

send_status ws_server::send_to(conn_context& c, const frame_ptr& frame) {
    if (c.sse) {
        // An SSE stream carries `subscribed` (as snapshot/resumed), events and `spec_changed`;
        // nothing else is sent to it. A spec reload that ends its subscription ends the stream.
        auto text = proto::sse_from_frame(*frame, c.sse->resumed_from);
        if (!text) {
            if (proto::sse_ends_stream(*frame)) {
                std::lock_guard<std::mutex> lock(c.out_mu);
                post_close_locked(c, proto::close_code::normal, "subscription ended by a spec reload");
            }
            return send_status::sent;
        }
        return sse_deliver(c, std::make_shared<const std::string>(std::move(*text)), false, steady::now());
    }
    connection_ptr con = connection(c.handle, "send");
    if (!con) return send_status::closing;
    return deliver(c, [&] { return con->get_buffered_amount(); }, frame->size(), false, steady::now(),
                   [&] { return con->send(frame->data(), frame->size(), websocketpp::frame::opcode::text); });
}

void ws_server::fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) {
    // Serialize once: one prepared frame (unmasked server header + payload) shared by every
    // WebSocket send, and one SSE text shared by every SSE stream; each made when first needed.
    message_ptr msg;
    auto prepared = [&] {
        msg = std::make_shared<ws_config::message_type>(ws_config::con_msg_manager_type::ptr(), websocketpp::frame::opcode::text, frame->size());
        msg->set_payload(*frame);
        websocketpp::frame::basic_header h(websocketpp::frame::opcode::text, frame->size(), true, false);
        websocketpp::frame::extended_header e(frame->size());
        msg->set_header(websocketpp::frame::prepare_header(h, e));
        msg->set_prepared(true);
    };
    frame_ptr sse_text;
    bool sse_made = false;

    auto now = steady::now();
    std::uint64_t delivered = 0, dropped = 0;
    for (conn_context* c : subscribers) {
        send_status s;
        if (c->sse) {
            if (!sse_made) {
                sse_made = true;
                if (auto t = proto::sse_change(*frame)) sse_text = std::make_shared<const std::string>(std::move(*t));
            }
            if (!sse_text) continue;  // not an event (cannot happen: the hub fans out events only)
            s = sse_deliver(*c, sse_text, true, now);
        } else {
            // A connection already gone is skipped (not counted): its on_close is about to unsubscribe it.
            std::error_code ec;
            connection_ptr con = ep_.get_con_from_hdl(c->handle, ec);
            if (ec || !con) continue;
            if (!msg) prepared();
            s = deliver(*c, [&] { return con->get_buffered_amount(); }, frame->size(), true, now, [&] { return con->send(msg); });
        }
        switch (s) {
            case send_status::sent: ++delivered; break;
            case send_status::dropped: ++dropped; break;
            case send_status::closing: ++dropped; break;
            case send_status::too_large: break;  // never for an event (check() drops instead)
        }
    }
    state_.metrics.events_delivered += delivered;
    state_.metrics.events_dropped += dropped;
    if (subscribers.size() >= 1000 && log_enabled(log_level::debug)) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - now).count();
        log_line(log_level::debug, "fan-out of one event to " + std::to_string(subscribers.size()) +
                                       " subscribers queued in " + std::to_string(us) + " us");
    }
}

}  // namespace rt::server
