#include <catch2/catch.hpp>

#include <vector>

#include "chaos/fault_proxy.hpp"
#include "chaos/timeline_player.hpp"
#include "loopback.hpp"

using namespace rt::chaos;
using namespace rt::chaos::test;

namespace {

fault parsed(const char* spec) {
    auto c = parse_fault(spec);
    REQUIRE(c.ok());
    return c->f;
}

// A proxy in front of an echo server, both on ephemeral loopback ports.
struct rig {
    echo_server echo;
    fault_proxy proxy{make_config()};
    rig() {
        std::error_code ec;
        proxy.start(ec);
        REQUIRE_FALSE(ec);
        REQUIRE(proxy.local_endpoint().port() != 0);
    }
    fault_proxy_config make_config() {
        fault_proxy_config c;
        c.upstream = echo.endpoint();
        return c;
    }
    const proxy_stats& stats() { return proxy.counters(); }
};

bool is_closed_by_peer(const std::error_code& ec) {
    return ec == asio::error::connection_reset || ec == asio::error::eof;
}

std::string roundtrip(test_client& c, const std::string& s) {
    REQUIRE_FALSE(c.send(s));
    auto r = c.read_exactly(s.size());
    REQUIRE_FALSE(r.ec);
    return r.data;
}

}  // namespace

TEST_CASE("proxy passes bytes both ways", "[chaos][proxy]") {
    rig r;
    test_client c(r.proxy.local_endpoint());
    REQUIRE_FALSE(c.connect_ec);
    CHECK(roundtrip(c, "hello") == "hello");

    std::string big(256 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
    CHECK(roundtrip(c, big) == big);
    CHECK(r.stats().bytes_up >= big.size() + 5);
    CHECK(eventually([&] { return r.stats().bytes_down >= big.size() + 5; }));
    CHECK(r.stats().accepted == 1);
    CHECK(r.stats().active == 1);
    CHECK(r.echo.accepted == 1);
}

TEST_CASE("proxy: blackhole drops bytes, keeps the connection, heal resumes", "[chaos][proxy]") {
    rig r;
    test_client c(r.proxy.local_endpoint());
    CHECK(roundtrip(c, "a") == "a");

    r.proxy.set_fault(parsed("blackhole"));
    REQUIRE_FALSE(c.send("lost"));
    REQUIRE(eventually([&] { return r.stats().dropped_up >= 4; }));
    auto nothing = c.read_some(200ms);
    CHECK(nothing.ec == asio::error::timed_out);
    CHECK(nothing.data.empty());
    CHECK(r.stats().active == 1);
    CHECK(r.echo.closed == 0);
    CHECK(r.proxy.list_faults().size() == 1);

    r.proxy.clear_faults();
    CHECK(r.proxy.list_faults().empty());
    CHECK(roundtrip(c, "back") == "back");  // "lost" stays lost
    CHECK(r.stats().dropped_up == 4);
}

TEST_CASE("proxy: blackhole in one direction only", "[chaos][proxy]") {
    rig r;
    test_client c(r.proxy.local_endpoint());
    CHECK(roundtrip(c, "a") == "a");
    r.proxy.set_fault(parsed("blackhole down"));
    REQUIRE_FALSE(c.send("xyz"));
    REQUIRE(eventually([&] { return r.stats().dropped_down >= 3; }));  // reached the server, dropped on the way back
    CHECK(r.stats().dropped_up == 0);
    CHECK(r.stats().bytes_up >= 4);
    CHECK(c.read_some(100ms).data.empty());
    r.proxy.clear_faults();
    CHECK(roundtrip(c, "ok") == "ok");
}

TEST_CASE("proxy: blackhole with a fraction picks connections deterministically", "[chaos][proxy]") {
    rig r;
    std::vector<std::unique_ptr<test_client>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(std::make_unique<test_client>(r.proxy.local_endpoint()));
        CHECK(roundtrip(*clients.back(), "h") == "h");  // in order: connection numbers are 1..8
    }
    fault f = parsed("blackhole fraction 0.5 seed 3");
    std::size_t selected = 0;
    for (std::uint64_t n = 1; n <= 8; ++n) selected += selects(f, n) ? 1 : 0;
    r.proxy.set_fault(f);
    for (auto& c : clients) REQUIRE_FALSE(c->send("z"));
    for (std::uint64_t n = 1; n <= 8; ++n)
        if (!selects(f, n)) CHECK(clients[n - 1]->read_exactly(1).data == "z");
    CHECK(eventually([&] { return r.stats().dropped_up == selected; }));
    for (std::uint64_t n = 1; n <= 8; ++n)
        if (selects(f, n)) CHECK(clients[n - 1]->read_some(50ms).data.empty());
}

TEST_CASE("proxy: reset closes current connections on both sides", "[chaos][proxy]") {
    rig r;
    test_client a(r.proxy.local_endpoint());
    test_client b(r.proxy.local_endpoint());
    CHECK(roundtrip(a, "1") == "1");
    CHECK(roundtrip(b, "2") == "2");

    r.proxy.set_fault(parsed("reset"));
    auto ra = a.read_some();
    auto rb = b.read_some();
    CHECK(is_closed_by_peer(ra.ec));
    CHECK(is_closed_by_peer(rb.ec));
    CHECK(eventually([&] { return r.echo.closed == 2; }));  // the upstream side is closed too
    CHECK(eventually([&] { return r.stats().active == 0; }));
    CHECK(r.stats().reset == 2);
    CHECK(r.proxy.list_faults().empty());  // one-shot

    test_client c(r.proxy.local_endpoint());  // new connections are unaffected
    CHECK(roundtrip(c, "3") == "3");
}

TEST_CASE("proxy: refuse rejects new connections only", "[chaos][proxy]") {
    rig r;
    test_client before(r.proxy.local_endpoint());
    CHECK(roundtrip(before, "1") == "1");

    r.proxy.set_fault(parsed("refuse"));
    test_client refused(r.proxy.local_endpoint());
    if (!refused.connect_ec) {  // the handshake may complete before the proxy resets it
        refused.send("x");
        CHECK(is_closed_by_peer(refused.read_some().ec));
    }
    CHECK(eventually([&] { return r.stats().refused == 1; }));
    CHECK(r.echo.accepted == 1);
    CHECK(roundtrip(before, "2") == "2");

    r.proxy.clear_faults();
    test_client after(r.proxy.local_endpoint());
    CHECK(roundtrip(after, "3") == "3");
}

TEST_CASE("proxy: latency delays delivery and keeps order", "[chaos][proxy]") {
    rig r;
    test_client c(r.proxy.local_endpoint());
    CHECK(roundtrip(c, "warm") == "warm");

    r.proxy.set_fault(parsed("latency 200ms down"));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(roundtrip(c, "ping") == "ping");
    CHECK(std::chrono::steady_clock::now() - t0 >= 200ms);

    // With jitter both ways, every chunk is late yet none overtakes another.
    r.proxy.set_fault(parsed("latency 60ms jitter 50ms"));
    std::string expected;
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        std::string msg = "<" + std::to_string(i) + ">";
        expected += msg;
        REQUIRE_FALSE(c.send(msg));
    }
    auto got = c.read_exactly(expected.size(), 5000ms);
    CHECK(got.data == expected);
    CHECK(std::chrono::steady_clock::now() - t0 >= 2 * 10ms);  // each way at least latency - jitter
}

TEST_CASE("proxy: bandwidth caps throughput", "[chaos][proxy]") {
    rig r;
    test_client c(r.proxy.local_endpoint());
    CHECK(roundtrip(c, "warm") == "warm");

    r.proxy.set_fault(parsed("bandwidth 32KiB/s down"));
    std::string payload(32 * 1024, 'b');
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE_FALSE(c.send(payload));
    auto got = c.read_exactly(payload.size(), 10000ms);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(got.data == payload);
    CHECK(elapsed >= 700ms);  // ~1 s at 32 KiB/s, minus the first piece
    CHECK(elapsed < 5000ms);
}

TEST_CASE("proxy: upstream down resets the client", "[chaos][proxy]") {
    asio::io_context io;
    tcp::acceptor closed_port(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    fault_proxy_config cfg;
    cfg.upstream = closed_port.local_endpoint();
    closed_port.close();  // nothing listens there now
    fault_proxy proxy(cfg);
    std::error_code ec;
    proxy.start(ec);
    REQUIRE_FALSE(ec);
    test_client c(proxy.local_endpoint());
    CHECK(is_closed_by_peer(c.read_some().ec));
    CHECK(eventually([&] { return proxy.counters().upstream_failures == 1; }));
}

TEST_CASE("proxy: start reports a busy address", "[chaos][proxy]") {
    rig r;
    fault_proxy_config cfg;
    cfg.listen = r.proxy.local_endpoint();
    fault_proxy second(cfg);
    std::error_code ec;
    second.start(ec);
    CHECK(ec == asio::error::address_in_use);
    second.stop();  // harmless when never started
}

TEST_CASE("timeline runner applies steps in order", "[chaos][timeline]") {
    rig r;
    auto steps = parse_timeline("0ms latency 10ms; 30ms blackhole up; 60ms heal");
    REQUIRE(steps.ok());
    asio::io_context io;
    std::vector<std::string> seen;
    timeline_player runner(io, r.proxy, *steps, [&](const timeline_step& s) {
        seen.push_back(to_json(s)["fault"].get<std::string>());
        if (seen.size() == 2) CHECK(r.proxy.list_faults().size() == 2);
    });
    runner.start();
    io.run_for(3000ms);  // returns as soon as the last step ran
    CHECK(runner.done());
    CHECK(seen == std::vector<std::string>{"latency 10ms", "blackhole up", "heal"});
    CHECK(r.proxy.list_faults().empty());
}

TEST_CASE("proxy: queued bytes stay bounded under latency", "[chaos][proxy]") {
    echo_server echo;
    fault_proxy_config cfg;
    cfg.upstream = echo.endpoint();
    cfg.max_queued_bytes = 64 * 1024;
    fault_proxy proxy(cfg);
    std::error_code ec;
    proxy.start(ec);
    REQUIRE_FALSE(ec);
    proxy.set_fault(parsed("latency 30s up"));  // nothing reaches the server during the test
    test_client c(proxy.local_endpoint());
    REQUIRE_FALSE(c.connect_ec);

    // Push without blocking until the kernel buffers and the proxy's queue are full (bounded: 16 MiB, 3 s).
    c.socket().non_blocking(true);
    std::string block(64 * 1024, 'q');
    std::size_t sent = 0;
    auto deadline = std::chrono::steady_clock::now() + 3000ms;
    while (sent < 16 * 1024 * 1024 && std::chrono::steady_clock::now() < deadline) {
        std::error_code wec;
        sent += c.socket().write_some(asio::buffer(block), wec);
        if (wec == asio::error::would_block) {
            if (proxy.counters().queued_bytes >= cfg.max_queued_bytes) break;
            std::this_thread::sleep_for(1ms);
        } else {
            REQUIRE_FALSE(wec);
        }
    }
    CHECK(proxy.counters().queued_bytes >= cfg.max_queued_bytes);
    CHECK(sent > cfg.max_queued_bytes);  // the rest waits in kernel buffers, not in the proxy
    for (int i = 0; i < 50; ++i) {
        CHECK(proxy.counters().queued_bytes < cfg.max_queued_bytes + cfg.read_chunk_bytes);
        std::this_thread::sleep_for(2ms);
    }
}
