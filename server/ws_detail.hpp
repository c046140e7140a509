#pragma once
// Private to the transport of `rt serve`: included only by the ws_*.cpp files, which CMake
// compiles as one unity batch so websocketpp and Asio are parsed once. The class is split by role,
// one file each, in the shape of Beast's chat-multi example:
//   ws_listener.cpp   endpoint configuration, socket options, listen and accept, the I/O threads,
//                     and the handler wrapper (guarded) with the one error rule (fail)
//   ws_session.cpp    one connection's handlers: handshake, open, close, message (rate limit →
//                     decode → dispatch, see message_dispatch.hpp), ping
//   ws_http.cpp       plain HTTP requests on the same port (REST, /healthz, /metrics), Origin checks
//                     and CORS
//   ws_sse.cpp        GET /sse: an SSE stream on a deferred HTTP response, written on the
//                     connection's own socket (sse_stream below)
//   ws_delivery.cpp   the one send path (deliver) and the hub's delivery_sink (send_to, fan_out)
//   ws_heartbeat.cpp  pings in slices, pong timeouts, the once-a-second sweep (and expired JWTs)
//   ws_shutdown.cpp   signals: SIGHUP reloads the spec, the tokens and the TLS certificate,
//                     SIGINT/SIGTERM close everything with 1001
//   ws_spec_reload.cpp a live spec reload with every open connection (server/spec_reload.hpp),
//                     and --watch's polls of the spec file
// TLS (--tls-cert) is the socket policy's (tls/socket_policy.hpp): every connection accepted while
// the endpoint has a server context speaks TLS; the handlers above do not know the difference.
// Thread rule: websocketpp runs each connection's handlers on that connection's strand; the state
// below is shared across threads only where a mutex says so.
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "os/stop_signals.hpp"
#include "protocol/spec_watch.hpp"
#include "server/conn_context.hpp"
#include "server/http_api.hpp"
#include "server/origin_policy.hpp"
#include "server/server_state.hpp"
#include "server/ws_server.hpp"
#include "tls/socket_policy.hpp"

namespace rt::server {

struct ws_config : websocketpp::config::asio {
    typedef ws_config type;
    // 10k idle connections: a small read buffer keeps per-connection memory low. Client messages
    // are ~100 bytes; the rare large frame (up to --max-frame) is read in several steps.
    static const size_t connection_read_buffer_size = 1024;
    static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
    static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;

    // websocketpp's asio transport with rt's socket policy: plain or TLS, chosen at run time.
    struct transport_config : public websocketpp::config::asio::transport_config {
        using socket_type = rt::tls::endpoint;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

}  // namespace rt::server

// Draft-76 handshakes are refused (defined in ws_listener.cpp; declared here so that every unit
// that uses the connection type sees the specialization).
template <>
auto websocketpp::connection<rt::server::ws_config>::get_processor(int version) const -> processor_ptr;

namespace rt::server {

using ws_endpoint = websocketpp::server<ws_config>;
using connection_ptr = ws_endpoint::connection_ptr;
using message_ptr = ws_endpoint::message_ptr;
using steady = std::chrono::steady_clock;

// One SSE stream's transport state (behaviour in ws_sse.cpp). websocketpp answered the request
// with a deferred response and no longer touches the socket; the stream writes on it through the
// socket policy's stream (plain or TLS), on the connection's strand. Fields marked "out_mu" are
// under the conn_context's out_mu, which every frame queued to the connection already holds
// (deliver); the others are touched on the strand only.
class sse_stream {
public:
    sse_stream(connection_ptr c, asio::io_context& io)
        : con(std::move(c)), strand(con->get_strand()), heartbeat(io), end_timer(io) {}

    connection_ptr con;  // reset when torn down: the connection (and socket) go once its own handlers end
    const std::shared_ptr<asio::io_context::strand> strand;
    std::weak_ptr<conn_context> owner;  // the connection this is the transport of (set once, at start)
    asio::steady_timer heartbeat;       // the next `: ping`
    asio::steady_timer end_timer;       // bounds the wait for the last bytes once the server ends the stream
    std::vector<frame_ptr> in_flight;   // the texts of the write under way
    std::array<char, 16> read_buf{};    // the client sends nothing after its request: read only to see it go
    bool gone = false;                  // torn down (sse_finish ran)
    bool registered = false;            // in conns_ and counted in the metrics
    // The position the request resumes from (Last-Event-ID or ?since=): the id of a `resumed`
    // event. Set before the hub sees the stream, then only read.
    std::optional<proto::stream_position> resumed_from;

    // out_mu:
    std::deque<frame_ptr> queue;        // texts not yet handed to a write
    bool started = false;               // the response is committed: writing may begin
    bool writing = false;               // a write is under way or posted
    bool ending = false;                // the server ends the stream once the queue is written
    // Bytes in `queue` and `in_flight`: what the output limit sees in place of websocketpp's
    // buffered amount. Atomic so /metrics reads it without out_mu.
    std::atomic<std::uint64_t> queued_bytes{0};
};

class ws_server final : public delivery_sink {
public:
    ws_server(server_state& state, asio::ip::address listen_address);

    // ws_listener.cpp: binds, accepts, runs the I/O threads until shutdown. Returns the exit code.
    int run();

    // ws_delivery.cpp: the hub's delivery_sink (called under the hub lock).
    send_status send_to(conn_context& c, const frame_ptr& frame) override;
    void fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) override;

private:
    // --- ws_listener.cpp
    void set_handlers();
    void on_tcp_accepted(websocketpp::connection_hdl hdl);
    // Runs one handler's body. An exception escaping it is that connection's failure, never the
    // process's: handler_failed() counts it, logs one line and closes the connection with 1011.
    // Returns false when the body threw. `hdl` may be empty (timers): then only the count and the log.
    template <typename F>
    bool guarded(const char* what, const websocketpp::connection_hdl& hdl, F&& body) noexcept {
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
    void handler_failed(const char* what, const websocketpp::connection_hdl& hdl, const char* why) noexcept;
    // The one rule for a transport error code in a handler: a cancelled operation (timers at
    // shutdown) and a connection that is already gone are the normal end of things and ignored;
    // anything else is logged at debug level, naming what was being done. Handlers write
    // `if (ec) return fail(ec, "what");` and never throw for a transport error.
    void fail(const std::error_code& ec, const char* what);
    // The connection behind `hdl`, or nullptr (after fail()) when it is gone. Never throws.
    connection_ptr connection(const websocketpp::connection_hdl& hdl, const char* what);
    void run_io() noexcept;

    // --- ws_session.cpp
    bool on_validate(websocketpp::connection_hdl hdl);
    void on_open(websocketpp::connection_hdl hdl);
    void on_fail(websocketpp::connection_hdl hdl);
    void on_close(websocketpp::connection_hdl hdl);
    // Closes the socket of a connection whose closing handshake is done (on_close only).
    void release_socket(const websocketpp::connection_hdl& hdl);
    void on_message(websocketpp::connection_hdl hdl, message_ptr msg);
    bool on_ping(websocketpp::connection_hdl hdl, const std::string& payload);
    bool admit_message(conn_context& ctx, const connection_ptr& con);
    std::shared_ptr<conn_context> find(const websocketpp::connection_hdl& hdl);
    std::vector<std::shared_ptr<conn_context>> open_connections();
    // Stops the I/O loop once shutting down and the last connection is gone. Caller holds conns_mu_.
    void stop_if_drained_locked();

    // A connection's state once its token is known (WebSocket open, SSE request): rights, rate
    // limit, output limit, change budget, expiry.
    std::shared_ptr<conn_context> make_context(identity&& who, const websocketpp::connection_hdl& hdl, std::string remote);
    // Closes any open connection: a WebSocket with `code`, an SSE stream with its `error` event.
    void close_connection(const std::weak_ptr<void>& hdl, websocketpp::close::status::value code, const std::string& reason);

    // --- ws_http.cpp
    void on_http(websocketpp::connection_hdl hdl);
    void on_http_failed(websocketpp::connection_hdl hdl);
    void write_response(const connection_ptr& con, const http_response& r);
    bool origin_allowed(const connection_ptr& con, const char* what);
    // An HTTP error answered in the API's shape, {"error":CODE,"message":...}.
    void http_error(const connection_ptr& con, int status, proto::error_code code, const std::string& message);
    std::string render_metrics();

    // --- ws_sse.cpp
    // GET /sse (Origin and client text already checked): authenticates, subscribes through the
    // hub and, on success, defers websocketpp's response and streams; otherwise answers 4xx.
    void on_sse(const connection_ptr& con, const std::map<std::string, std::string>& query);
    // Queues SSE text through the one send path (deliver, with the stream's queued bytes).
    send_status sse_deliver(conn_context& c, const frame_ptr& text, bool droppable, steady::time_point now);
    // Appends to the queue and starts a write when none is under way. Caller holds c.out_mu.
    void sse_push_locked(conn_context& c, const frame_ptr& text);
    // The server ends the stream: the `error` event, then the close once written (bounded). Caller holds c.out_mu.
    void sse_end_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason);
    void sse_write(const std::shared_ptr<conn_context>& ctx);
    void sse_on_written(const std::shared_ptr<conn_context>& ctx, const std::error_code& ec);
    void sse_read(const std::shared_ptr<conn_context>& ctx);
    void sse_schedule_heartbeat(const std::shared_ptr<conn_context>& ctx);
    // Tears the stream down (once): leaves the hub and the registry, and ends the HTTP connection.
    void sse_finish(const std::shared_ptr<conn_context>& ctx, const char* why);

    // --- ws_delivery.cpp
    // `queued()` gives the bytes already queued for the connection (websocketpp's buffered amount,
    // or an SSE stream's own count).
    template <class Queued, class Send>
    send_status deliver(conn_context& c, Queued&& queued, std::uint64_t frame_bytes, bool droppable,
                        steady::time_point now, Send&& send);
    send_status reply(conn_context& c, const connection_ptr& con, const std::string& text);
    // A pong websocketpp is about to queue for the client's ping: asks the output limit, queues nothing.
    bool admit_pong(conn_context& c, const connection_ptr& con, std::size_t payload_bytes);
    void post_close_locked(conn_context& c, websocketpp::close::status::value code, const std::string& reason);

    // --- ws_heartbeat.cpp
    void schedule_sweep();
    void schedule_ping();
    std::uint64_t ping_slices() const;
    void add_to_ping_slice_locked(const conn_context& c);  // caller holds conns_mu_
    void ping_slice();
    void on_pong(websocketpp::connection_hdl hdl);
    void on_pong_timeout(websocketpp::connection_hdl hdl);
    void close_expired_tokens(std::int64_t now_ms);

    // --- ws_throttle.cpp
    void schedule_throttle();

    // --- ws_spec_reload.cpp
    // A live spec reload (server/spec_reload.hpp) with every open connection, one at a time;
    // `text`: the file's content as the watch read it (nullopt: read it now). Applied: the tokens
    // file is read again against the new spec (as SIGHUP does).
    void reload_spec_now(const char* trigger, std::optional<std::string> text);
    // --watch: polls the spec file (proto::spec_watch decides when to reload).
    void schedule_spec_watch();

    // --- ws_shutdown.cpp
    void watch_signals();
    void on_signal(int signo);
    void reload_tokens();
    // Re-reads --tls-cert and --tls-key: new handshakes use them, open connections keep theirs. A
    // file that does not load changes nothing (logged). No-op without TLS.
    void reload_certificate();
    void begin_shutdown(int signo);

    server_state& state_;
    const server_config& cfg_;
    const asio::ip::address listen_address_;  // --listen's host, resolved before start-up
    origin_policy origins_;                   // set in run() before accepting
    asio::io_context io_;
    std::optional<os::stop_signals> signals_;  // SIGINT, SIGTERM, SIGHUP: installed once listening
    ws_endpoint ep_;
    asio::steady_timer sweep_timer_, ping_timer_, shutdown_timer_;
    asio::steady_timer throttle_timer_;  // closes due throttle windows (ws_throttle.cpp)
    asio::steady_timer spec_watch_timer_;  // --watch polls (ws_spec_reload.cpp)
    std::optional<proto::spec_watch> spec_watch_;  // --watch only; touched on spec_watch_timer_'s handler and under reload_mu_
    std::mutex reload_mu_;  // one spec reload at a time (SIGHUP and --watch run on any I/O thread)
    std::mutex conns_mu_;
    std::unordered_map<const void*, std::shared_ptr<conn_context>> conns_;
    std::set<const void*> handshaking_;  // validated, not yet open: shutdown waits for them too
    std::atomic<std::uint64_t> next_id_{1};
    std::atomic<bool> stopping_{false};
    std::vector<std::vector<std::weak_ptr<void>>> ping_buckets_;  // handles by id % slices; under conns_mu_
    std::uint64_t ping_slice_ = 0;  // the next slice to ping; under conns_mu_
    const frame_ptr sse_ping_;      // ": ping", shared by every SSE stream's heartbeat
};

}  // namespace rt::server
