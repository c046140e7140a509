#pragma once
// Test helpers for chaos/: an echo server and a client with bounded waits, loopback only,
// ephemeral ports only.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <asio.hpp>

namespace rt::chaos::test {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// Polls `pred` until it holds or `timeout` passes; returns the last answer. Bounded in time.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Echoes every byte back, on 127.0.0.1 and an ephemeral port, on a thread of its own.
class echo_server {
public:
    echo_server() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        do_accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~echo_server() {
        asio::post(io_, [this] {
            std::error_code ignored;
            acceptor_.close(ignored);
            io_.stop();
        });
        thread_.join();
    }
    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    std::atomic<int> accepted{0};
    std::atomic<int> closed{0};  // sessions that saw EOF or an error

private:
    struct session : std::enable_shared_from_this<session> {
        session(tcp::socket s, echo_server& o) : socket(std::move(s)), owner(o) {}
        void do_read() {
            socket.async_read_some(asio::buffer(buf), [self = shared_from_this()](std::error_code ec, std::size_t n) {
                if (ec) return self->finish();
                asio::async_write(self->socket, asio::buffer(self->buf, n),
                                  [self](std::error_code wec, std::size_t) {
                                      if (wec) return self->finish();
                                      self->do_read();
                                  });
            });
        }
        void finish() {
            std::error_code ignored;
            socket.close(ignored);
            ++owner.closed;
        }
        tcp::socket socket;
        echo_server& owner;
        char buf[16 * 1024];
    };
    void do_accept() {
        acceptor_.async_accept([this](std::error_code ec, tcp::socket s) {
            if (ec) return;
            ++accepted;
            std::make_shared<session>(std::move(s), *this)->do_read();
            do_accept();
        });
    }
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
};

struct read_result {
    std::string data;
    std::error_code ec;  // asio::error::timed_out when time ran out
};

// A client socket whose reads give up after a timeout.
class test_client {
public:
    explicit test_client(const tcp::endpoint& ep) { socket_.connect(ep, connect_ec); }
    std::error_code connect_ec;

    std::error_code send(const std::string& s) {
        std::error_code ec;
        asio::write(socket_, asio::buffer(s), ec);
        return ec;
    }
    // Reads exactly n bytes, or less on error/timeout.
    read_result read_exactly(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
        return run([&](auto handler) { asio::async_read(socket_, asio::dynamic_buffer(pending_), asio::transfer_exactly(n), handler); },
                   timeout);
    }
    // Reads whatever arrives first (at least one byte), or nothing on error/timeout.
    read_result read_some(std::chrono::milliseconds timeout = 3000ms) {
        return run([&](auto handler) { asio::async_read(socket_, asio::dynamic_buffer(pending_), asio::transfer_at_least(1), handler); },
                   timeout);
    }
    // Reads until the peer closes (for HTTP with Connection: close).
    read_result read_to_end(std::chrono::milliseconds timeout = 3000ms) {
        auto r = run([&](auto handler) { asio::async_read(socket_, asio::dynamic_buffer(pending_), handler); }, timeout);
        if (r.ec == asio::error::eof) r.ec = {};
        return r;
    }
    tcp::socket& socket() { return socket_; }

private:
    template <class Start>
    read_result run(Start start, std::chrono::milliseconds timeout) {
        bool done = false;
        std::error_code ec;
        io_.restart();
        start([&](std::error_code e, std::size_t) {
            done = true;
            ec = e;
        });
        io_.run_for(timeout);
        if (!done) {
            std::error_code ignored;
            socket_.cancel(ignored);
            io_.restart();
            io_.run();
            ec = asio::error::timed_out;
        }
        read_result r{std::move(pending_), ec};
        pending_.clear();
        return r;
    }
    asio::io_context io_;
    tcp::socket socket_{io_};
    std::string pending_;
};

}  // namespace rt::chaos::test
