#include "client/sse_connection.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <vector>

#include <websocketpp/http/response.hpp>

#include "client/detail/endpoint.hpp"
#include "protocol/host_port.hpp"

namespace rt::client {

namespace {

using tcp = asio::ip::tcp;

// A refusal's body kept for the reason: rt's JSON errors are far shorter.
constexpr std::size_t max_refusal_body_bytes = 1024;
// Read buffer per connection: 4 KiB, like the WebSocket client's, keeps 10k streams at ~40 MiB;
// bigger events are simply read in several pieces.
constexpr std::size_t sse_read_buffer_bytes = 4096;

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

}  // namespace

enum class sse_state { connecting, open, closed };

// Everything below runs on `strand`, except close() and is_open(), which only post to it or read
// the atomic state.
struct sse_connection::impl : std::enable_shared_from_this<impl> {
    impl(io_loop::impl& loop, sse_request r, sse_handlers h, sse_options o)
        : strand(asio::make_strand(loop.ctx)), stream(loop.ctx), timer(strand), resolver(strand),
          handlers(std::move(h)), req(std::move(r)), opts(std::move(o)), parser(opts.max_event_bytes) {}

    asio::strand<asio::io_context::executor_type> strand;
    tls::stream stream;
    asio::steady_timer timer;  // the connect timeout, then the handshake (TLS + head) timeout
    tcp::resolver resolver;
    sse_handlers handlers;
    sse_request req;
    sse_options opts;
    std::optional<asio::ip::address> local;
    tls::context_ptr tls_ctx;  // https only
    std::string request_text;
    std::unique_ptr<websocketpp::http::parser::response> head = std::make_unique<websocketpp::http::parser::response>();
    int refused_status = 0;  // a non-200 head: its body is being read
    std::string refused_msg;  // its reason phrase ("Not Found")
    std::string refused_body;
    proto::sse_parser parser;
    std::vector<proto::sse_item> items;  // reused for every read
    std::array<char, sse_read_buffer_bytes> buf;
    bool timed_out = false;
    bool reported = false;
    std::atomic<sse_state> state{sse_state::connecting};
    std::atomic<bool> abandoned{false};  // the sse_connection is gone: report nothing more

    template <class F>
    auto on_strand(F&& f) {
        return asio::bind_executor(strand, std::forward<F>(f));
    }

    std::string where() const { return proto::to_string(proto::host_port{req.host, req.port}); }

    // Reports the end once and releases the socket.
    void finish(int code, std::string reason) {
        if (reported) return;
        reported = true;
        state = sse_state::closed;
        std::error_code ec;
        timer.cancel();
        resolver.cancel();
        stream.tcp_socket().close(ec);
        head.reset();
        if (!abandoned && handlers.on_close) handlers.on_close(code, std::move(reason));
    }

    void start() {
        std::error_code ec;
        auto addr = asio::ip::make_address(req.host, ec);
        if (!ec) return attempt({tcp::endpoint(addr, req.port)}, 0);
        auto self = shared_from_this();
        resolver.async_resolve(req.host, std::to_string(req.port),
                               on_strand([self](const std::error_code& rec, tcp::resolver::results_type rs) {
                                   if (self->reported) return;
                                   if (rec) return self->finish(proto::close_code::abnormal, "cannot resolve " + self->req.host + ": " + rec.message());
                                   std::vector<tcp::endpoint> eps;
                                   for (const auto& r : rs) eps.push_back(r.endpoint());
                                   self->attempt(std::move(eps), 0);
                               }));
    }

    // Connects to eps[i], then the next on failure (a name may resolve to ::1 and 127.0.0.1).
    void attempt(std::vector<tcp::endpoint> eps, std::size_t i) {
        if (i >= eps.size()) return finish(proto::close_code::abnormal, "cannot connect to " + where() + ": no address");
        tcp::socket& sock = stream.tcp_socket();
        std::error_code ec;
        if (sock.is_open()) sock.close(ec);
        sock.open(eps[i].protocol(), ec);
        if (!ec && local) sock.bind(tcp::endpoint(*local, 0), ec);
        if (ec) return finish(proto::close_code::abnormal, "cannot connect to " + where() + ": " + ec.message());
        std::error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);  // the request is small; never wait for Nagle
        if (opts.receive_buffer_bytes > 0)
            sock.set_option(asio::socket_base::receive_buffer_size(opts.receive_buffer_bytes), ignored);
        arm_timer(opts.connect_timeout);
        auto self = shared_from_this();
        const tcp::endpoint target = eps[i];
        sock.async_connect(target, on_strand([self, eps = std::move(eps), i](const std::error_code& cec) mutable {
            if (self->reported) return;
            self->timer.cancel();
            if (self->timed_out) return self->finish(proto::close_code::abnormal, "cannot connect to " + self->where() + ": timed out");
            if (cec && i + 1 < eps.size()) return self->attempt(std::move(eps), i + 1);
            if (cec) return self->finish(proto::close_code::abnormal, "cannot connect to " + self->where() + ": " + cec.message());
            self->arm_timer(self->opts.handshake_timeout);
            self->handshake();
        }));
    }

    // Closes the socket when `d` passes first: the operation in flight then fails, and its
    // handler sees timed_out.
    void arm_timer(std::chrono::milliseconds d) {
        timed_out = false;
        timer.expires_after(d);
        auto self = shared_from_this();
        timer.async_wait(on_strand([self](const std::error_code& ec) {
            if (ec || self->reported) return;
            self->timed_out = true;
            std::error_code cec;
            self->stream.tcp_socket().close(cec);
        }));
    }

    void handshake() {
        if (!tls_ctx) return send_request();
        stream.start_tls(*tls_ctx);
        const std::string& verify_host = opts.tls_host.empty() ? req.host : opts.tls_host;
        if (!opts.tls.insecure_skip_verify && !tls::set_peer_name(stream.tls()->native_handle(), verify_host))
            return finish(proto::close_code::abnormal, "TLS: cannot verify the host name " + verify_host);
        auto self = shared_from_this();
        stream.tls()->async_handshake(asio::ssl::stream_base::client, on_strand([self](const std::error_code& ec) {
            if (self->reported) return;
            if (!ec) return self->send_request();
            if (const long verdict = SSL_get_verify_result(self->stream.tls()->native_handle()); verdict != X509_V_OK)
                return self->finish(proto::close_code::tls_failed, tls::describe_verify_failure(verdict));
            self->fail_io("TLS handshake with " + self->where(), ec);
        }));
    }

    void send_request() {
        request_text = "GET " + req.target + " HTTP/1.1\r\nHost: " + where() +
                       "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
        if (!req.last_event_id.empty()) request_text += "Last-Event-ID: " + req.last_event_id + "\r\n";
        request_text += "\r\n";
        auto self = shared_from_this();
        asio::async_write(stream, asio::buffer(request_text), on_strand([self](const std::error_code& ec, std::size_t) {
            if (self->reported) return;
            if (ec) return self->fail_io("sending the request to " + self->where(), ec);
            self->read();
        }));
    }

    void read() {
        auto self = shared_from_this();
        stream.async_read_some(asio::buffer(buf), on_strand([self](const std::error_code& ec, std::size_t n) {
            if (self->reported) return;
            if (ec) return self->on_read_error(ec);
            if (self->on_bytes(std::string_view(self->buf.data(), n))) self->read();
        }));
    }

    void fail_io(const std::string& what, const std::error_code& ec) {
        finish(proto::close_code::abnormal, what + ": " + (timed_out ? std::string("timed out") : ec.message()));
    }

    void on_read_error(const std::error_code& ec) {
        const bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        if (refused_status != 0) return finish_refused();  // the body ends here, however it ended
        if (state == sse_state::open && eof) return finish(proto::close_code::abnormal, "the server ended the stream");
        if (eof) return finish(proto::close_code::abnormal, "connection to " + where() + " closed before the response head");
        fail_io(state == sse_state::open ? "reading the stream" : "waiting for the response head from " + where(), ec);
    }

    void finish_refused() {
        std::string body = refused_body.substr(0, max_refusal_body_bytes);
        while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
        finish(refused_status, "HTTP " + std::to_string(refused_status) + " " + refused_msg + (body.empty() ? "" : ": " + body));
    }

    // The bytes of one read. Returns whether to read on.
    bool on_bytes(std::string_view bytes) {
        if (refused_status != 0) return on_refusal_body(bytes);
        if (head) {
            std::size_t used = 0;
            try {
                used = head->consume(bytes.data(), bytes.size());
            } catch (const websocketpp::http::exception& e) {
                finish(proto::close_code::abnormal, std::string("malformed response head from ") + where() + ": " + e.what());
                return false;
            }
            if (!head->headers_ready()) return true;
            if (!on_head()) return false;
            bytes.remove_prefix(used);
            if (refused_status != 0) return on_refusal_body(bytes);
        }
        return feed(bytes);
    }

    // The head is complete: 200 text/event-stream opens the stream; another status is a refusal
    // whose body is read before reporting. Returns false when it ended the connection.
    bool on_head() {
        const int status = static_cast<int>(head->get_status_code());
        if (status != 200) {
            refused_status = status;
            refused_msg = head->get_status_msg();
            refused_body = head->get_body();
            if (head->ready() && !head->get_header("Content-Length").empty()) {
                finish_refused();
                return false;
            }
            return true;
        }
        const std::string& type = head->get_header("Content-Type");
        if (!starts_with_nocase(type, "text/event-stream")) {
            finish(proto::close_code::abnormal, "not an event stream: HTTP 200 with Content-Type '" + type + "'");
            return false;
        }
        if (const std::string& te = head->get_header("Transfer-Encoding"); !te.empty() && te != "identity") {
            finish(proto::close_code::abnormal, "unsupported Transfer-Encoding '" + te + "' on the event stream");
            return false;
        }
        head.reset();  // frees the head's strings: nothing more is read from it
        timer.cancel();
        state = sse_state::open;
        if (!abandoned && handlers.on_open) handlers.on_open();
        return !reported;
    }

    bool on_refusal_body(std::string_view bytes) {
        if (head && !head->ready()) {  // a Content-Length body, still coming
            head->consume(bytes.data(), bytes.size());
            refused_body = head->get_body();
            if (!head->ready() && refused_body.size() < max_refusal_body_bytes) return true;
            finish_refused();
            return false;
        }
        refused_body.append(bytes.substr(0, max_refusal_body_bytes - std::min(max_refusal_body_bytes, refused_body.size())));
        if (refused_body.size() < max_refusal_body_bytes) return true;  // until the server closes
        finish_refused();
        return false;
    }

    // Stream bytes to the parser, its items to the handler. Returns whether to read on.
    bool feed(std::string_view bytes) {
        items.clear();
        auto fed = parser.feed(bytes, items);
        for (const auto& item : items) {
            if (reported || abandoned) return false;
            if (handlers.on_item) handlers.on_item(item);
        }
        if (!fed) {
            finish(proto::close_code::abnormal, "bad event stream from " + where() + ": " + fed.error());
            return false;
        }
        return !reported;
    }
};

sse_connection::sse_connection(std::shared_ptr<impl> i) : impl_(std::move(i)) {}

sse_connection::~sse_connection() {
    impl_->abandoned = true;
    close();
}

result<std::shared_ptr<sse_connection>, std::string> sse_connection::connect(io_loop& loop, const sse_request& request,
                                                                             sse_handlers handlers,
                                                                             const sse_options& options) {
    auto st = std::make_shared<impl>(*loop.impl_, request, std::move(handlers), options);
    if (!options.local_address.empty()) {
        std::error_code aec;
        st->local = asio::ip::make_address(options.local_address, aec);
        if (aec) return make_unexpected("bad local address '" + options.local_address + "': " + aec.message());
    }
    if (request.secure) {
        auto ctx = loop.impl_->tls_context(options.tls.ca_file, options.tls.insecure_skip_verify);
        if (!ctx) return make_unexpected(ctx.error());
        st->tls_ctx = *ctx;
    }
    asio::post(st->strand, [st] { st->start(); });
    return std::make_shared<sse_connection>(std::move(st));
}

void sse_connection::close() {
    if (impl_->state == sse_state::closed) return;
    auto s = impl_;
    asio::post(s->strand, [s] { s->finish(sse_closed_by_client, ""); });
}

bool sse_connection::is_open() const { return impl_->state == sse_state::open; }

}  // namespace rt::client
