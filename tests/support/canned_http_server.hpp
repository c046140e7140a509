#pragma once
// An in-test HTTP server on 127.0.0.1, port 0, that plays one canned response: it accepts one
// connection, reads the request head, writes the given chunks (one write each), then closes, or
// waits for the client to close first. Plain or TLS. For the SSE client's tests (client and
// loadgen suites); header-only because it needs Asio, which the test support library does not link.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

namespace rt::test {

// Accepts one connection, reads the request head, writes `chunks` one write each, then closes
// (or, with hold_open, waits for the client to close first). TLS with `tls` set.
class canned_http_server {
public:
    canned_http_server(std::vector<std::string> chunks, bool hold_open = false, std::shared_ptr<asio::ssl::context> tls = nullptr)
        : acceptor_(ctx_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this, chunks = std::move(chunks), hold_open, tls] {
            asio::ip::tcp::socket sock(ctx_);
            std::error_code ec;
            acceptor_.accept(sock, ec);
            accepted_ = true;
            if (ec) return;
            if (tls) {
                asio::ssl::stream<asio::ip::tcp::socket&> s(sock, *tls);
                s.handshake(asio::ssl::stream_base::server, ec);
                if (!ec) serve(s, chunks, hold_open);
            } else {
                serve(sock, chunks, hold_open);
            }
        });
    }
    ~canned_http_server() {
        if (!accepted_) {  // a test that failed before connecting: release the accept with a connection
            asio::io_context c;
            asio::ip::tcp::socket s(c);
            std::error_code ec;
            s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
            s.close(ec);
        }
        thread_.join();
    }
    std::uint16_t port() const { return port_; }
    // The request head as received (after the test has seen the connection end).
    std::string request() {
        std::lock_guard<std::mutex> lock(mu_);
        return request_;
    }

private:
    template <class Stream>
    void serve(Stream& s, const std::vector<std::string>& chunks, bool hold_open) {
        std::string head;
        char buf[1024];
        std::error_code ec;
        while (head.find("\r\n\r\n") == std::string::npos) {
            std::size_t n = s.read_some(asio::buffer(buf), ec);
            if (ec) return;
            head.append(buf, n);
        }
        {
            std::lock_guard<std::mutex> lock(mu_);
            request_ = head;
        }
        for (const auto& c : chunks) {
            asio::write(s, asio::buffer(c), ec);
            if (ec) return;
        }
        if (hold_open)
            while (!ec) s.read_some(asio::buffer(buf), ec);  // until the client closes
    }

    asio::io_context ctx_;
    asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> accepted_{false};
    std::mutex mu_;
    std::string request_;
    std::thread thread_;
};

}  // namespace rt::test
