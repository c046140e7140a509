#pragma once
// websocketpp's socket policy for rt: each connection is plain TCP or TLS over TCP, decided at run
// time, so one websocketpp connection type (one template instantiation, one unity batch) serves
// ws:// and wss:// alike. A plain connection creates no TLS object and pays one null pointer.
// Included only by the transport files that already include websocketpp and Asio:
// client/detail/endpoint.hpp and server/ws_detail.hpp. Never include it from a public header.
//
// Who decides: a client connection speaks TLS when use_tls() was called before it connects (the
// URL said wss://); a server connection when the endpoint has a server context (--tls-cert) once
// the TCP accept is done. The handshake runs in post_init, after the TCP connect or accept, bounded by
// websocketpp's open-handshake timeout like the HTTP upgrade that follows it.
#include <memory>
#include <sstream>
#include <string>
#include <system_error>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <websocketpp/transport/asio/security/base.hpp>
#include <websocketpp/uri.hpp>

#include "tls/openssl_setup.hpp"

namespace rt::tls {

using context_ptr = std::shared_ptr<asio::ssl::context>;

// What websocketpp reads from and writes to: the TCP socket itself, or a TLS stream over it.
// Meets Asio's AsyncReadStream and AsyncWriteStream (what asio::async_read/async_write need).
class stream {
public:
    using tcp = asio::ip::tcp;
    using executor_type = tcp::socket::executor_type;
    using tls_stream = asio::ssl::stream<tcp::socket&>;

    explicit stream(asio::io_context& io) : tcp_(io) {}

    executor_type get_executor() { return tcp_.get_executor(); }
    tcp::socket& tcp_socket() { return tcp_; }
    // The TLS stream, or nullptr on a plain connection.
    tls_stream* tls() { return tls_.get(); }
    // Wraps the (connected) socket in TLS with `ctx`. Once, before any read or write.
    void start_tls(asio::ssl::context& ctx) { tls_ = std::make_unique<tls_stream>(tcp_, ctx); }

    template <class Buffers, class Handler>
    void async_read_some(const Buffers& b, Handler&& h) {
        if (tls_) tls_->async_read_some(b, std::forward<Handler>(h));
        else tcp_.async_read_some(b, std::forward<Handler>(h));
    }
    template <class Buffers, class Handler>
    void async_write_some(const Buffers& b, Handler&& h) {
        if (tls_) tls_->async_write_some(b, std::forward<Handler>(h));
        else tcp_.async_write_some(b, std::forward<Handler>(h));
    }

private:
    tcp::socket tcp_;
    std::unique_ptr<tls_stream> tls_;  // declared after tcp_: destroyed first, it refers to it
};

namespace wsl = websocketpp::lib;
namespace wss = websocketpp::transport::asio::socket;

// The per-connection half of the policy (websocketpp makes it a base of every connection).
// Mirrors websocketpp's own basic_socket and tls_socket policies, with the choice made at run time.
class connection : public std::enable_shared_from_this<connection> {
    friend class endpoint;

public:
    using type = connection;
    using ptr = std::shared_ptr<type>;
    using socket_type = stream;
    using io_service_ptr = asio::io_context*;
    using strand_ptr = std::shared_ptr<asio::io_context::strand>;

    ptr get_shared() { return shared_from_this(); }
    bool is_secure() const { return context_ != nullptr; }
    asio::ip::tcp::socket& get_raw_socket() { return socket_->tcp_socket(); }
    asio::ip::tcp::socket& get_next_layer() { return socket_->tcp_socket(); }  // websocketpp's HTTP proxy path
    stream& get_socket() { return *socket_; }

    // Makes this connection speak TLS with `ctx`. A client calls it before connecting. A client verifies the peer against
    // `verify_host` (a name, or an IP literal) and sends it as SNI when it is a name; an empty
    // `verify_host` checks nothing beyond what the context says (the server's case).
    void use_tls(context_ptr ctx, std::string verify_host = {}) {
        context_ = std::move(ctx);
        verify_host_ = std::move(verify_host);
    }
    // After a failed handshake: OpenSSL's verdict on the peer's certificate (X509_V_OK when the
    // certificate was not the problem, or on a plain connection).
    long verify_result() {
        if (!socket_ || !socket_->tls()) return X509_V_OK;
        return SSL_get_verify_result(socket_->tls()->native_handle());
    }

    std::string get_remote_endpoint(wsl::error_code& ec) const {
        asio::error_code aec;
        auto ep = socket_->tcp_socket().remote_endpoint(aec);
        std::stringstream s;
        if (aec) {
            ec = websocketpp::transport::asio::error::make_error_code(websocketpp::transport::asio::error::pass_through);
            s << "Error getting remote endpoint: " << aec << " (" << aec.message() << ")";
        } else {
            ec = wsl::error_code();
            s << ep;
        }
        return s.str();
    }

protected:
    wsl::error_code init_asio(io_service_ptr service, strand_ptr strand, bool is_server) {
        socket_ = std::make_unique<stream>(*service);
        strand_ = std::move(strand);
        is_server_ = is_server;
        return {};
    }
    void set_uri(websocketpp::uri_ptr) {}
    void set_handle(websocketpp::connection_hdl hdl) { hdl_ = std::move(hdl); }

    // Before the handshake (after the TCP accept or connect): wraps the socket in TLS and sets the
    // client's SNI and host check. A server connection takes the endpoint's context now, not when it
    // was made: websocketpp makes the next connection before the accept it waits for, so a
    // certificate reloaded in between would otherwise reach only the handshake after next.
    void pre_init(wss::init_handler callback) {
        if (is_server_ && server_context_) context_ = std::atomic_load(server_context_);
        if (!context_) return callback({});
        socket_->start_tls(*context_);
        if (!is_server_ && !verify_host_.empty() && !set_peer_name(socket_->tls()->native_handle(), verify_host_))
            return callback(wss::make_error_code(wss::error::tls_failed_sni_hostname));
        callback({});
    }

    // The TLS handshake, on the connection's strand. Its error is kept as Asio gave it (OpenSSL's
    // reason) rather than websocketpp's generic "TLS handshake failed".
    void post_init(wss::init_handler callback) {
        if (!context_) return callback({});
        ec_ = wss::make_error_code(wss::error::tls_handshake_timeout);  // what a timeout reports
        auto self = get_shared();
        socket_->tls()->async_handshake(
            is_server_ ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
            strand_->wrap([self, callback](const asio::error_code& ec) {
                self->ec_ = ec;
                callback(ec);
            }));
    }

    wsl::error_code get_ec() const { return ec_; }

    asio::error_code cancel_socket() {
        asio::error_code ec;
        socket_->tcp_socket().cancel(ec);
        return ec;
    }

    // TLS: sends close_notify (websocketpp bounds the wait with its shutdown timeout); plain: shuts
    // the TCP socket down at once, as websocketpp's basic_socket does.
    void async_shutdown(wss::shutdown_handler callback) {
        if (socket_->tls()) return socket_->tls()->async_shutdown(strand_->wrap(callback));
        asio::error_code ec;
        socket_->tcp_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        callback(ec);
    }

public:
    template <typename ErrorCodeType>
    static wsl::error_code translate_ec(ErrorCodeType ec) {
        namespace te = websocketpp::transport::error;
        return te::make_error_code(ec.category() == asio::error::get_ssl_category() ? te::tls_error : te::pass_through);
    }
    static wsl::error_code translate_ec(wsl::error_code ec) { return ec; }

private:
    std::unique_ptr<stream> socket_;
    strand_ptr strand_;
    context_ptr context_;      // null: plain TCP
    const context_ptr* server_context_ = nullptr;  // server only: the endpoint's current context
    std::string verify_host_;  // client only
    bool is_server_ = false;
    wsl::error_code ec_;
    websocketpp::connection_hdl hdl_;
};

// The endpoint half. Every connection may be TLS, so the endpoint calls itself secure: a client
// endpoint then accepts wss:// URLs, and each connection decides for itself.
class endpoint {
public:
    using type = endpoint;
    using socket_con_type = connection;
    using socket_con_ptr = connection::ptr;

    bool is_secure() const { return true; }

    // Server side: connections accepted from now on speak TLS with `ctx` (null: plain). Connections
    // already accepted keep the context they started with. Any thread.
    void set_server_context(context_ptr ctx) { std::atomic_store(&server_context_, std::move(ctx)); }
    context_ptr server_context() const { return std::atomic_load(&server_context_); }

protected:
    wsl::error_code init(socket_con_ptr scon) {
        scon->server_context_ = &server_context_;
        return {};
    }

private:
    context_ptr server_context_;
};

}  // namespace rt::tls
