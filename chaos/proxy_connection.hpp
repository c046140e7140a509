#pragma once
// One proxied connection: a client socket, an upstream socket, and a pipe each way that applies the
// faults in force (blackhole, latency, bandwidth). Touched only from the proxy's io_context thread.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <asio.hpp>

#include "chaos/proxy_shared.hpp"

namespace rt::chaos {

class proxy_connection : public std::enable_shared_from_this<proxy_connection> {
public:
    using closed_handler = std::function<void(std::uint64_t conn_no)>;

    // `on_closed` runs once, on the io thread, when the connection is gone (for the registry).
    proxy_connection(asio::ip::tcp::socket client, std::uint64_t conn_no, proxy_shared& shared, closed_handler on_closed);

    // Connects upstream, then pipes both ways.
    void start();
    // Closes both sockets with RST (SO_LINGER 0): the `reset` fault.
    void reset() { close_now(true); }
    // Closes both sockets normally (proxy shutdown).
    void close() { close_now(false); }
    // Re-evaluates the faults: drops what a new blackhole holds, resumes what a heal releases.
    void on_faults_changed();

    std::uint64_t conn_no() const { return conn_no_; }

private:
    using clock = std::chrono::steady_clock;

    struct chunk {
        std::vector<char> bytes;
        std::size_t offset = 0;  // bytes already written
        clock::time_point due;   // not before (latency)
    };

    struct pipe {
        pipe(direction f, asio::ip::tcp::socket& src, asio::ip::tcp::socket& dst, asio::any_io_executor ex)
            : flow(f), from(src), to(dst), timer(ex) {}
        direction flow;  // up: client → upstream
        asio::ip::tcp::socket& from;
        asio::ip::tcp::socket& to;
        asio::steady_timer timer;  // latency and bandwidth waits
        std::vector<char> read_buf;
        std::deque<chunk> queue;
        std::size_t queued_bytes = 0;
        bool reading = false;  // a read is in flight
        bool writing = false;  // a write or a wait is in flight
        bool eof = false;      // the source sent FIN
        bool shut = false;     // FIN forwarded to the destination
        clock::time_point last_due{};        // keeps order when jitter would swap chunks
        clock::time_point send_not_before{};  // bandwidth pacing
    };

    void on_connect(const std::error_code& ec);
    void do_read(pipe& p);
    void on_read(pipe& p, const std::error_code& ec, std::size_t n);
    void pump(pipe& p);
    void on_write(pipe& p, const std::error_code& ec, std::size_t n);
    void drop_queue(pipe& p);
    void maybe_finish();
    void close_now(bool with_rst);
    std::chrono::milliseconds delay_for(const flow_policy& policy);
    std::atomic<std::uint64_t>& delivered(const pipe& p);
    std::atomic<std::uint64_t>& dropped(const pipe& p);

    asio::ip::tcp::socket client_;
    asio::ip::tcp::socket upstream_;
    const std::uint64_t conn_no_;
    proxy_shared& shared_;
    closed_handler on_closed_;
    pipe up_;
    pipe down_;
    std::mt19937_64 rng_;  // jitter; seeded by the connection number so runs repeat
    bool closed_ = false;
};

}  // namespace rt::chaos
