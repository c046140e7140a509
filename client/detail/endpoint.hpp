#pragma once
// Internal to rt_client: the websocketpp configuration and the io_loop's state. Includes
// websocketpp and Asio; never include this from a public header.
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include "client/io_loop.hpp"
#include "tls/context.hpp"
#include "tls/socket_policy.hpp"

namespace rt::client::detail {

// Per-connection settings read by the transport when it connects (websocketpp makes this a base
// class of every connection through config::connection_base).
struct connection_data {
    std::optional<asio::ip::address> local_address;  // source address to bind; none: the kernel picks
    int receive_buffer_bytes = 0;                      // SO_RCVBUF; 0 keeps the kernel default
    long connect_timeout_ms = 5000;
    // Set while the TCP connect is in flight, so that close() can abort it. Strand only.
    asio::ip::tcp::socket* connecting_socket = nullptr;
};

// The standard Asio transport, except that the TCP connect is ours: websocketpp connects through
// asio::async_connect(range), which closes the socket before each attempt and so loses any bind()
// to a source address. We open, configure (TCP_NODELAY, SO_RCVBUF), bind, then connect.
template <class transport_config, class full_config>
class bound_transport : public websocketpp::transport::asio::endpoint<transport_config> {
    using base = websocketpp::transport::asio::endpoint<transport_config>;

public:
    using transport_con_ptr = typename base::transport_con_ptr;
    using tcp = asio::ip::tcp;

    // Hides base::async_connect (websocketpp calls transport_type::async_connect). Runs on the
    // connection's strand (ws_connection posts the connect there).
    void async_connect(transport_con_ptr tcon, websocketpp::uri_ptr u,
                       websocketpp::transport::connect_handler cb) {
        tcon->set_uri(u);
        std::error_code ec;
        auto addr = asio::ip::make_address(u->get_host(), ec);
        if (!ec) {
            attempt(tcon, {tcp::endpoint(addr, u->get_port())}, 0, cb);
            return;
        }
        auto resolver = std::make_shared<tcp::resolver>(this->get_io_service());
        resolver->async_resolve(
            u->get_host(), u->get_port_str(),
            tcon->get_strand()->wrap([this, tcon, cb, resolver](const std::error_code& rec,
                                                                tcp::resolver::results_type rs) {
                if (rec) return cb(rec);
                std::vector<tcp::endpoint> eps;
                for (const auto& r : rs) eps.push_back(r.endpoint());
                attempt(tcon, std::move(eps), 0, cb);
            }));
    }

private:
    static connection_data& data(const transport_con_ptr& tcon) {
        return *static_cast<websocketpp::connection<full_config>*>(tcon.get());
    }

    // Tries eps[i], then the next on failure (a name may resolve to ::1 and 127.0.0.1).
    void attempt(transport_con_ptr tcon, std::vector<tcp::endpoint> eps, std::size_t i,
                 websocketpp::transport::connect_handler cb) {
        if (i >= eps.size()) return cb(std::make_error_code(std::errc::host_unreachable));
        connection_data& d = data(tcon);
        tcp::socket& sock = tcon->get_raw_socket();
        std::error_code ec;
        if (sock.is_open()) sock.close(ec);
        sock.open(eps[i].protocol(), ec);
        if (!ec && d.local_address) sock.bind(tcp::endpoint(*d.local_address, 0), ec);
        if (ec) return cb(ec);
        std::error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);  // events are small; never wait for Nagle
        if (d.receive_buffer_bytes > 0)
            sock.set_option(asio::socket_base::receive_buffer_size(d.receive_buffer_bytes), ignored);

        auto timed_out = std::make_shared<bool>(false);
        auto timer = tcon->set_timer(d.connect_timeout_ms, [tcon, timed_out](const std::error_code& tec) {
            if (tec) return;  // cancelled: the connect finished first
            *timed_out = true;
            std::error_code e;
            tcon->get_raw_socket().close(e);
        });
        d.connecting_socket = &sock;
        const tcp::endpoint target = eps[i];  // eps is moved into the handler below
        sock.async_connect(target, tcon->get_strand()->wrap([this, tcon, eps = std::move(eps), i, cb, timer,
                                                             timed_out](const std::error_code& cec) mutable {
            data(tcon).connecting_socket = nullptr;
            if (timer) timer->cancel();
            if (*timed_out) return cb(std::make_error_code(std::errc::timed_out));
            if (cec && cec != asio::error::operation_aborted && i + 1 < eps.size())
                return attempt(tcon, std::move(eps), i + 1, cb);
            cb(cec);
        }));
    }
};

struct client_config : websocketpp::config::asio_client {
    using type = client_config;
    using base = websocketpp::config::asio_client;

    // No logging: 10,000 connections must not write a line each, and failures reach the caller
    // through on_close with their error text anyway.
    using alog_type = websocketpp::log::stub;
    using elog_type = websocketpp::log::stub;
    using connection_base = connection_data;

    // Read buffer embedded in every connection: 4 KiB keeps 10k connections at ~40 MiB of buffers;
    // larger frames are simply read in several pieces.
    static const std::size_t connection_read_buffer_size = 4096;

    struct transport_config : public base::transport_config {
        using concurrency_type = type::concurrency_type;
        using alog_type = type::alog_type;
        using elog_type = type::elog_type;
        using request_type = type::request_type;
        using response_type = type::response_type;
        // Plain or TLS per connection (ws:// or wss://): one connection type for both.
        using socket_type = rt::tls::endpoint;
        // Connections are touched from user threads (send, close) and loop threads.
        static const bool enable_multithreading = true;
    };
    using transport_type = bound_transport<transport_config, client_config>;
};

using ws_endpoint = websocketpp::client<client_config>;
using ws_con_ptr = ws_endpoint::connection_ptr;

}  // namespace rt::client::detail

namespace rt::client {

struct io_loop::impl {
    asio::io_context ctx;  // declared first: destroyed after the endpoint that refers to it
    asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
    detail::ws_endpoint endpoint;
    std::vector<std::thread> threads;
    std::atomic<bool> started{false};

    // TLS client contexts, made on first use (a ws:// run never makes one) and shared by every
    // connection with the same settings: key {--ca file, --insecure-skip-verify}. Any thread.
    std::mutex tls_mu;
    std::map<std::pair<std::string, bool>, tls::context_ptr> tls_contexts;
    result<tls::context_ptr, std::string> tls_context(const std::string& ca_file, bool skip_verify) {
        std::lock_guard<std::mutex> lock(tls_mu);
        auto& slot = tls_contexts[{ca_file, skip_verify}];
        if (!slot) {
            auto made = tls::make_client_context(ca_file, skip_verify);
            if (!made) {
                tls_contexts.erase({ca_file, skip_verify});
                return made;
            }
            slot = *made;
        }
        return slot;
    }

    impl() {
        endpoint.clear_access_channels(websocketpp::log::alevel::all);
        endpoint.clear_error_channels(websocketpp::log::elevel::all);
        std::error_code ec;
        endpoint.init_asio(&ctx, ec);
        if (ec) {  // cannot happen with an external io_context; a broken invariant if it does
            std::fprintf(stderr, "rt: websocket client init failed: %s\n", ec.message().c_str());
            std::abort();
        }
    }
};

}  // namespace rt::client
