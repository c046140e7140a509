#include "client/ws_connection.hpp"

#include <atomic>
#include <mutex>

#include "client/detail/endpoint.hpp"
#include "client/ws_url.hpp"

namespace rt::client {

namespace ws = websocketpp;

enum class con_state { connecting, open, closed };

struct ws_connection::impl {
    io_loop& loop;
    detail::ws_con_ptr con;
    ws_handlers handlers;
    std::string url;
    std::atomic<con_state> state{con_state::connecting};
    std::atomic<bool> close_reported{false};
    std::atomic<bool> abandoned{false};  // the ws_connection is gone: report nothing more

    // Pause bookkeeping, touched only on the connection's strand. websocketpp's resume_reading()
    // starts a read unconditionally, so calling it while the read issued before the pause is still
    // pending would run two reads into one buffer. So a resume happens only once that read is known
    // to have completed: a message was delivered after the pause, or bytes have sat in the kernel's
    // receive queue across two checks (a pending read would have taken them at once).
    bool paused = false;
    bool message_since_pause = false;
    bool resume_wanted = false;
    std::size_t queued_at_last_check = 0;
    std::unique_ptr<asio::steady_timer> resume_timer;

    // Strand only, and never from inside websocketpp's read processing (post to get here).
    void do_resume() {
        paused = false;
        resume_wanted = false;
        if (resume_timer) resume_timer->cancel();
        con->resume_reading();
    }

    // Strand only: resumes now if it is safe, or checks again shortly (bounded by the connection's
    // life: a closed connection ends the polling).
    static void try_resume(const std::shared_ptr<impl>& s) {
        if (!s->paused || !s->resume_wanted || s->state == con_state::closed) return;
        if (s->message_since_pause) return s->do_resume();
        std::error_code ec;
        std::size_t queued = s->con->get_raw_socket().available(ec);
        if (ec) return;
        if (queued > 0 && s->queued_at_last_check > 0 && queued >= s->queued_at_last_check) return s->do_resume();
        s->queued_at_last_check = queued;
        if (!s->resume_timer) s->resume_timer = std::make_unique<asio::steady_timer>(s->con->get_raw_socket().get_executor());
        s->resume_timer->expires_after(std::chrono::milliseconds(20));  // short: resuming is usually urgent
        s->resume_timer->async_wait(s->con->get_strand()->wrap([s](const std::error_code& tec) {
            if (!tec) try_resume(s);
        }));
    }

    std::mutex close_mutex;  // guards the deferred close below
    bool close_requested = false;
    int close_code = proto::close_code::normal;
    std::string close_reason;

    impl(io_loop& l, detail::ws_con_ptr c, ws_handlers h, std::string u)
        : loop(l), con(std::move(c)), handlers(std::move(h)), url(std::move(u)) {}

    // Reports the end once. Loop thread, on the connection's strand.
    void report_close(int code, std::string reason) {
        state = con_state::closed;
        if (close_reported.exchange(true) || abandoned) return;
        if (handlers.on_close) handlers.on_close(code, std::move(reason));
    }
};

namespace {

std::string describe_failure(const detail::ws_con_ptr& con) {
    std::string text = con->get_ec() ? con->get_ec().message() : "connection failed";
    auto status = con->get_response_code();
    if (status != ws::http::status_code::uninitialized && status != ws::http::status_code::switching_protocols) {
        text += " (HTTP " + std::to_string(static_cast<int>(status)) + " " + con->get_response_msg() + ")";
    }
    return text;
}

}  // namespace

ws_connection::ws_connection(std::shared_ptr<impl> i) : impl_(std::move(i)) {}

ws_connection::~ws_connection() {
    impl_->abandoned = true;
    close(proto::close_code::going_away, "");
}

result<std::shared_ptr<ws_connection>, std::string> ws_connection::connect(io_loop& loop, std::string_view url,
                                                                           ws_handlers handlers,
                                                                           const ws_options& options) {
    auto parsed = parse_ws_url(url);
    if (!parsed) return make_unexpected(parsed.error());
    ws_url u = std::move(parsed.value());
    if (!options.token.empty()) add_query_param(u, "token", options.token);
    std::string full = to_string(u);

    std::optional<asio::ip::address> local;
    if (!options.local_address.empty()) {
        std::error_code aec;
        local = asio::ip::make_address(options.local_address, aec);
        if (aec) return make_unexpected("bad local address '" + options.local_address + "': " + aec.message());
    }

    detail::ws_endpoint& ep = loop.impl_->endpoint;
    std::error_code ec;
    detail::ws_con_ptr con = ep.get_connection(full, ec);
    if (ec || !con) return make_unexpected("bad URL '" + std::string(url) + "': " + ec.message());

    if (u.secure) {
        auto ctx = loop.impl_->tls_context(options.tls.ca_file, options.tls.insecure_skip_verify);
        if (!ctx) return make_unexpected(ctx.error());
        con->use_tls(*ctx, options.tls.insecure_skip_verify ? std::string()
                                                            : options.tls_host.empty() ? u.host : options.tls_host);
    }
    detail::connection_data& data = *con;
    data.local_address = local;
    data.receive_buffer_bytes = options.receive_buffer_bytes;
    data.connect_timeout_ms = static_cast<long>(options.connect_timeout.count());
    con->set_max_message_size(options.max_frame_bytes);
    con->set_open_handshake_timeout(static_cast<long>(options.handshake_timeout.count()));

    auto st = std::make_shared<impl>(loop, con, std::move(handlers), full);
    std::weak_ptr<impl> weak = st;

    // Handlers hold the impl weakly: the websocketpp connection outlives the ws_connection
    // while its last operations complete, and must not keep the user's state alive.
    con->set_open_handler([weak, &ep](ws::connection_hdl hdl) {
        auto s = weak.lock();
        if (!s) {  // the ws_connection was dropped while connecting: nobody wants this one
            std::error_code cec;
            if (auto c = ep.get_con_from_hdl(hdl, cec)) c->close(ws::close::status::going_away, "", cec);
            return;
        }
        s->state = con_state::open;
        bool close_now = false;
        int code = proto::close_code::normal;
        std::string reason;
        {
            std::lock_guard<std::mutex> lock(s->close_mutex);
            close_now = s->close_requested;
            code = s->close_code;
            reason = s->close_reason;
        }
        if (close_now) {
            std::error_code cec;
            s->con->close(static_cast<ws::close::status::value>(code), reason, cec);
            return;
        }
        if (!s->abandoned && s->handlers.on_open) s->handlers.on_open();
    });
    con->set_message_handler([weak](ws::connection_hdl, detail::ws_endpoint::message_ptr msg) {
        auto s = weak.lock();
        if (!s || s->abandoned) return;
        if (s->paused) {
            s->message_since_pause = true;
            if (s->resume_wanted) {
                s->resume_wanted = false;
                asio::post(*s->con->get_strand(), [s] { s->do_resume(); });
            }
        }
        if (s->handlers.on_message) s->handlers.on_message(msg->get_payload());
    });
    con->set_close_handler([weak](ws::connection_hdl) {
        auto s = weak.lock();
        if (!s) return;
        int code = s->con->get_remote_close_code();
        std::string reason = s->con->get_remote_close_reason();
        if (code == ws::close::status::abnormal_close && reason.empty() && s->con->get_ec())
            reason = s->con->get_ec().message();
        s->report_close(code, std::move(reason));
    });
    con->set_fail_handler([weak](ws::connection_hdl) {
        auto s = weak.lock();
        if (!s) return;
        if (const long verdict = s->con->verify_result(); verdict != X509_V_OK)
            return s->report_close(close_tls_failed, tls::describe_verify_failure(verdict));
        s->report_close(close_abnormal, describe_failure(s->con));
    });

    // Start on the connection's strand, where all its other work runs.
    asio::post(*con->get_strand(), [&ep, con] { ep.connect(con); });
    return std::make_shared<ws_connection>(std::move(st));
}

std::error_code ws_connection::send(std::string_view text) {
    if (impl_->state != con_state::open) return std::make_error_code(std::errc::not_connected);
    return impl_->con->send(text.data(), text.size(), ws::frame::opcode::text);
}

void ws_connection::close(int code, std::string reason) {
    con_state s = impl_->state;
    if (s == con_state::closed) return;
    if (s == con_state::connecting) {
        {
            std::lock_guard<std::mutex> lock(impl_->close_mutex);
            if (impl_->close_requested) return;
            impl_->close_requested = true;
            impl_->close_code = code;
            impl_->close_reason = reason;
        }
        // Abort a TCP connect in flight; if the handshake is under way, the open handler closes.
        auto con = impl_->con;
        asio::post(*con->get_strand(), [con] {
            detail::connection_data& d = *con;
            if (d.connecting_socket) {
                std::error_code ec;
                d.connecting_socket->close(ec);
            }
        });
        // The open handler may have run between the state check and the flag: close directly too.
        if (impl_->state != con_state::open) return;
    }
    std::error_code ec;
    impl_->con->close(static_cast<ws::close::status::value>(code), reason, ec);
}

std::size_t ws_connection::buffered_amount() const { return impl_->con->get_buffered_amount(); }

std::error_code ws_connection::pause_reading() {
    if (impl_->state != con_state::open) return std::make_error_code(std::errc::not_connected);
    auto s = impl_;
    asio::dispatch(*s->con->get_strand(), [s] {
        if (s->paused) return;
        s->paused = true;
        s->message_since_pause = false;
        s->resume_wanted = false;
        s->con->pause_reading();
    });
    return {};
}

std::error_code ws_connection::resume_reading() {
    if (impl_->state != con_state::open) return std::make_error_code(std::errc::not_connected);
    auto s = impl_;
    asio::post(*s->con->get_strand(), [s] {
        if (!s->paused || s->resume_wanted) return;
        s->resume_wanted = true;
        s->queued_at_last_check = 0;
        impl::try_resume(s);
    });
    return {};
}

bool ws_connection::is_open() const { return impl_->state == con_state::open; }

const std::string& ws_connection::url() const { return impl_->url; }

}  // namespace rt::client
