// WebSocket client transport against an in-test server on 127.0.0.1:0.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include <catch2/catch.hpp>

#include "echo_server.hpp"
#include "client/io_loop.hpp"
#include "client/sync_client.hpp"
#include "client/ws_connection.hpp"
#include "client/ws_url.hpp"

using namespace rt::client;
using namespace std::chrono_literals;

namespace {

// Collects one connection's callbacks for assertions from the test thread.
struct recorder {
    std::mutex mutex;
    std::condition_variable cv;
    bool opened = false;
    bool closed = false;
    int code = 0;
    std::string reason;
    std::vector<std::string> messages;

    ws_handlers handlers() {
        ws_handlers h;
        h.on_open = [this] { update([&] { opened = true; }); };
        h.on_message = [this](std::string_view t) { update([&] { messages.emplace_back(t); }); };
        h.on_close = [this](int c, std::string r) {
            update([&] {
                closed = true;
                code = c;
                reason = std::move(r);
            });
        };
        return h;
    }
    template <class F>
    void update(F f) {
        std::lock_guard<std::mutex> lock(mutex);
        f();
        cv.notify_all();
    }
    template <class P>
    bool wait(P pred, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock<std::mutex> lock(mutex);
        return cv.wait_for(lock, timeout, pred);
    }
};

}  // namespace

TEST_CASE("parse_ws_url accepts good URLs and explains bad ones", "[client][url]") {
    struct good_case {
        const char* text;
        const char* host;
        int port;
        const char* path;
        const char* query;
        bool secure = false;
    };
    const good_case good[] = {
        {"ws://127.0.0.1:8080/live", "127.0.0.1", 8080, "/live", ""},
        {"ws://localhost/live?token=abc", "localhost", 80, "/live", "token=abc"},
        {"ws://example.com", "example.com", 80, "/", ""},
        {"ws://[::1]:9000/x/y", "::1", 9000, "/x/y", ""},
        {"ws://h:1?a=b", "h", 1, "/", "a=b"},
        {"wss://example.com/live", "example.com", 443, "/live", "", true},
        {"wss://127.0.0.1:8443/live?x=1", "127.0.0.1", 8443, "/live", "x=1", true},
    };
    for (const auto& c : good) {
        INFO(c.text);
        auto r = parse_ws_url(c.text);
        REQUIRE(r.ok());
        CHECK(r->host == c.host);
        CHECK(r->port == c.port);
        CHECK(r->path == c.path);
        CHECK(r->query == c.query);
        CHECK(r->secure == c.secure);
        CHECK(to_string(*r).rfind(c.secure ? "wss://" : "ws://", 0) == 0);
    }
    struct bad_case {
        const char* text;
        const char* says;
    };
    const bad_case bad[] = {
        {"http://127.0.0.1/live", "scheme must be ws://"},
        {"https://127.0.0.1/live", "scheme must be ws:// or wss://"},
        {"ws://", "missing host"},
        {"ws://:8080/live", "missing host"},
        {"ws://host:0/", "port out of range"},
        {"ws://host:65536/", "port out of range"},
        {"ws://host:80a/", "port must be a number"},
        {"ws://host:/", "empty port"},
        {"ws://ho st/", "space"},
        {"ws://[::1/", "unterminated"},
        {"ws://h/p#frag", "fragments"},
        {"127.0.0.1:8080", "scheme"},
    };
    for (const auto& c : bad) {
        INFO(c.text);
        auto r = parse_ws_url(c.text);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains(c.says));
        CHECK_THAT(r.error(), Catch::Contains("expected ws://"));
    }
}

TEST_CASE("add_query_param percent-encodes the token", "[client][url]") {
    auto u = parse_ws_url("ws://h:1/live?x=1").value();
    add_query_param(u, "token", "a b&c=d/é");
    CHECK(to_string(u) == "ws://h:1/live?x=1&token=a%20b%26c%3Dd%2F%C3%A9");
}

TEST_CASE("io_loop runs posted work and timers, and cancels timers", "[client][io_loop]") {
    io_loop loop;
    loop.start(2);
    recorder r;  // reuse its wait
    std::atomic<int> ran{0};
    loop.post([&] { r.update([&] { ++ran; }); });
    auto t1 = loop.run_after(20ms, [&] { r.update([&] { ran += 10; }); });
    auto t2 = loop.run_after(50ms, [&] { r.update([&] { ran += 100; }); });
    t2.cancel();
    REQUIRE(r.wait([&] { return ran == 11; }));
    // The cancelled timer never fires: a later timer runs, and by then t2 would have had its turn.
    auto t3 = loop.run_after(120ms, [&] { r.update([&] { ran += 1000; }); });
    REQUIRE(r.wait([&] { return ran >= 1011; }));
    CHECK(ran == 1011);
    loop.stop();
}

TEST_CASE("ws_connection: connect, send, receive in order, close with a code", "[client][ws]") {
    rt::test::echo_server srv;
    io_loop loop;
    loop.start(1);
    recorder r;
    ws_options opts;
    opts.token = "s3cret token";
    auto con = ws_connection::connect(loop, srv.url("/live"), r.handlers(), opts);
    REQUIRE(con.ok());
    REQUIRE(r.wait([&] { return r.opened || r.closed; }));
    REQUIRE(r.opened);
    CHECK((*con)->is_open());

    for (int i = 0; i < 100; ++i) REQUIRE_FALSE((*con)->send("m" + std::to_string(i)));
    REQUIRE(r.wait([&] { return r.messages.size() == 100; }));
    // Echoes prove the server's open handler (which records the request) has run.
    REQUIRE(srv.resources().size() == 1);
    CHECK(srv.resources()[0] == "/live?token=s3cret%20token");
    for (int i = 0; i < 100; ++i) CHECK(r.messages[i] == "m" + std::to_string(i));

    (*con)->send("close:4001:auth required");
    REQUIRE(r.wait([&] { return r.closed; }));
    CHECK(r.code == 4001);
    CHECK(r.reason == "auth required");
    CHECK_FALSE((*con)->is_open());
    CHECK((*con)->send("late"));  // an error: not connected
    con.value().reset();
    loop.stop();
}

TEST_CASE("ws_connection: client-initiated close and connection drop", "[client][ws]") {
    rt::test::echo_server srv;
    io_loop loop;
    loop.start(1);
    SECTION("close") {
        recorder r;
        auto con = ws_connection::connect(loop, srv.url(), r.handlers());
        REQUIRE(con.ok());
        REQUIRE(r.wait([&] { return r.opened; }));
        (*con)->close(1000, "bye");
        REQUIRE(r.wait([&] { return r.closed; }));
        CHECK(r.code == 1000);  // the server echoes our code
    }
    SECTION("drop without a close frame is 1006") {
        recorder r;
        auto con = ws_connection::connect(loop, srv.url(), r.handlers());
        REQUIRE(con.ok());
        REQUIRE(r.wait([&] { return r.opened; }));
        (*con)->send("drop");
        REQUIRE(r.wait([&] { return r.closed; }));
        CHECK(r.code == close_abnormal);
    }
    loop.stop();
}

TEST_CASE("ws_connection: bad URL is an immediate error", "[client][ws]") {
    io_loop loop;
    recorder r;
    auto con = ws_connection::connect(loop, "http://127.0.0.1:1/x", r.handlers());
    REQUIRE_FALSE(con.ok());
    CHECK_THAT(con.error(), Catch::Contains("scheme must be ws://"));
    ws_options opts;
    opts.local_address = "not-an-ip";
    auto con2 = ws_connection::connect(loop, "ws://127.0.0.1:1/x", r.handlers(), opts);
    REQUIRE_FALSE(con2.ok());
    CHECK_THAT(con2.error(), Catch::Contains("local address"));
}

TEST_CASE("ws_connection: refused connect reports on_close 1006 with the error", "[client][ws]") {
    io_loop loop;
    loop.start(1);
    recorder r;
    auto con = ws_connection::connect(loop, "ws://127.0.0.1:" + std::to_string(rt::test::unused_port()) + "/live",
                                      r.handlers());
    REQUIRE(con.ok());
    REQUIRE(r.wait([&] { return r.closed; }));
    CHECK_FALSE(r.opened);
    CHECK(r.code == close_abnormal);
    CHECK_THAT(r.reason, Catch::Contains("refused"));
    con.value().reset();
    loop.stop();
}

TEST_CASE("ws_connection: binds the chosen source address", "[client][ws]") {
    rt::test::echo_server srv;
    io_loop loop;
    loop.start(1);
    recorder r;
    ws_options opts;
    opts.local_address = "127.0.0.2";
    auto con = ws_connection::connect(loop, srv.url(), r.handlers(), opts);
    REQUIRE(con.ok());
    REQUIRE(r.wait([&] { return r.opened || r.closed; }));
    CHECK(r.opened);
    (*con)->send("hello");
    REQUIRE(r.wait([&] { return !r.messages.empty(); }));
    // The echo proves the server has run its open handler, which recorded the peer address.
    REQUIRE(srv.remote_addresses().size() == 1);
    CHECK(srv.remote_addresses()[0] == "127.0.0.2");
    con.value().reset();
    loop.stop();
}

TEST_CASE("ws_connection: many connections share one loop", "[client][ws]") {
    rt::test::echo_server srv;
    io_loop loop;
    loop.start(2);
    constexpr int n = 200;
    std::mutex m;
    std::condition_variable cv;
    int echoed = 0;
    std::vector<std::shared_ptr<ws_connection>> cons;
    for (int i = 0; i < n; ++i) {
        // on_open may run before connect() returns: hand it the connection under a lock.
        struct slot {
            std::mutex m;
            std::weak_ptr<ws_connection> w;
            bool opened = false;
        };
        auto self = std::make_shared<slot>();
        auto greet = [i](ws_connection& c) { c.send("hi " + std::to_string(i)); };
        ws_handlers h;
        h.on_open = [self, greet] {
            std::lock_guard<std::mutex> lock(self->m);
            self->opened = true;
            if (auto c = self->w.lock()) greet(*c);
        };
        h.on_message = [&](std::string_view) {
            std::lock_guard<std::mutex> lock(m);
            ++echoed;
            cv.notify_all();
        };
        auto c = ws_connection::connect(loop, srv.url(), std::move(h));
        REQUIRE(c.ok());
        {
            std::lock_guard<std::mutex> lock(self->m);
            self->w = c.value();
            if (self->opened) greet(*c.value());  // opened before we could store it
        }
        cons.push_back(c.value());
    }
    {
        std::unique_lock<std::mutex> lock(m);
        CHECK(cv.wait_for(lock, 10s, [&] { return echoed == n; }));
    }
    cons.clear();
    loop.stop();
}

TEST_CASE("sync_client: send, receive, receive_until keeps the others, close code", "[client][sync]") {
    rt::test::echo_server srv;
    auto c = sync_client::connect(srv.url(), 5s);
    REQUIRE(c.ok());
    auto& cl = *c.value();
    cl.send(R"({"type":"event","seq":1})");
    cl.send("not json");
    cl.send(R"({"type":"event","seq":2})");
    cl.send(R"({"type":"pong","timestamp":7})");
    auto pong = cl.receive_until([](const nlohmann::json& j) { return j.value("type", "") == "pong"; }, 5s);
    REQUIRE(pong);
    CHECK((*pong)["timestamp"] == 7);
    CHECK(cl.pending() == 3);
    auto e1 = cl.receive_json(1s);
    REQUIRE(e1);
    CHECK((*e1)["seq"] == 1);
    CHECK(cl.receive(1s) == std::optional<std::string>("not json"));
    auto e2 = cl.receive_json(1s);
    REQUIRE(e2);
    CHECK((*e2)["seq"] == 2);
    CHECK_FALSE(cl.receive(50ms));  // nothing more: times out

    CHECK_FALSE(cl.receive_until([](const nlohmann::json&) { return false; }, 50ms));

    cl.send("close:1008:slow consumer");
    REQUIRE(cl.wait_closed(5s));
    CHECK(cl.close_code() == 1008);
    CHECK(cl.close_reason() == "slow consumer");
    CHECK(cl.send("x"));
}

TEST_CASE("sync_client: connect errors", "[client][sync]") {
    auto bad = sync_client::connect("ws//nope", 1s);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error(), Catch::Contains("bad URL"));
    auto refused = sync_client::connect("ws://127.0.0.1:" + std::to_string(rt::test::unused_port()) + "/live?token=x", 5s);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error(), Catch::Contains("refused"));
    CHECK_THAT(refused.error(), !Catch::Contains("token"));  // tokens never appear in messages
}

TEST_CASE("sync_client: paused reading backs up the server, resume delivers all", "[client][sync]") {
    rt::test::echo_server srv;
    ws_options opts;
    opts.receive_buffer_bytes = 4096;
    auto c = sync_client::connect(srv.url(), 5s, opts);
    REQUIRE(c.ok());
    auto& cl = *c.value();
    cl.send("ping");
    REQUIRE(cl.receive(5s));
    REQUIRE_FALSE(cl.pause_reading());
    // The server floods 2 MiB; with reading paused only a bounded part can arrive.
    cl.send("flood:256:8192");
    // The read in flight at the pause consumes at most one 4 KiB buffer (half a frame); then
    // reading stops, so no whole frame arrives.
    CHECK_FALSE(cl.receive(300ms));
    REQUIRE_FALSE(cl.resume_reading());
    std::size_t got = 0;
    for (int i = 0; i < 256 && got < 256; ++i) {
        if (!cl.receive(5s)) break;
        ++got;
    }
    CHECK(got == 256);

    // A resume while nothing has arrived since the pause waits for the next message, safely.
    REQUIRE_FALSE(cl.pause_reading());
    REQUIRE_FALSE(cl.resume_reading());
    cl.send("after");
    CHECK(cl.receive(5s) == std::optional<std::string>("after"));
    cl.send("again");
    CHECK(cl.receive(5s) == std::optional<std::string>("again"));
}
