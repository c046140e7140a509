// client/sse_connection against a canned HTTP server on 127.0.0.1:0 (plain or TLS, one thread,
// blocking Asio): the request it sends, the stream's items in order, refusals with their status and
// body, the ways a stream ends, certificate checks; and client/sse_request's URL building.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "client/io_loop.hpp"
#include "client/sse_connection.hpp"
#include "client/sse_request.hpp"
#include "support/canned_http_server.hpp"
#include "support/close_probe.hpp"
#include "support/tls_certs.hpp"

namespace {

using namespace std::chrono_literals;
using rt::client::sse_connection;
using rt::client::sse_request;
using rt::test::canned_http_server;

// What one connection reported, awaited with a bound.
struct sse_probe : rt::test::close_probe {
    bool opened = false;
    std::vector<rt::proto::sse_item> items;

    rt::client::sse_handlers handlers() {
        rt::client::sse_handlers h;
        h.on_open = [this] {
            std::lock_guard<std::mutex> lock(mu);
            opened = true;
            cv.notify_all();
        };
        h.on_item = [this](const rt::proto::sse_item& it) {
            std::lock_guard<std::mutex> lock(mu);
            items.push_back(it);
            cv.notify_all();
        };
        h.on_close = close_handler();
        return h;
    }
    bool wait_items(std::size_t n) {
        return wait_until([&] { return items.size() >= n; });
    }
};

sse_request sse_local(std::uint16_t port, std::string last_event_id = {}) {
    sse_request r;
    r.host = "127.0.0.1";
    r.port = port;
    r.target = "/sse?subscription=TaskUpdates";
    r.last_event_id = std::move(last_event_id);
    return r;
}

const std::string sse_ok_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n\r\n";

// sse_local over https.
sse_request sse_local_tls(std::uint16_t port) {
    sse_request r = sse_local(port);
    r.secure = true;
    return r;
}

// Connects to `req` on an io_loop of its own with `threads` threads and waits until the stream
// ends; the loop is stopped on return, so what `probe` saw is complete and may be read without its
// lock. The test stops if the connect is refused outright or no close comes within the bound.
void sse_run_to_close(sse_probe& probe, const sse_request& req, const rt::client::sse_options& opts = {},
                      unsigned threads = 1) {
    rt::client::io_loop loop;
    loop.start(threads);
    auto con = sse_connection::connect(loop, req, probe.handlers(), opts);
    REQUIRE(con);
    REQUIRE(probe.wait_closed());
}

}  // namespace

TEST_CASE("sse_request_of: the /sse URL of a ws:// or wss:// server, filter and token encoded, since as Last-Event-ID", "[client][sse]") {
    rt::proto::subscribe_msg sub;
    sub.subscription = "TaskUpdates";
    sub.filter = {{"board", "b 7"}};
    auto r = rt::client::sse_request_of("ws://127.0.0.1:8080/live?x=1", sub, "s3cret&x");
    REQUIRE(r);
    CHECK(r->host == "127.0.0.1");
    CHECK(r->port == 8080);
    CHECK_FALSE(r->secure);
    CHECK(r->target == "/sse?subscription=TaskUpdates&filter=%7B%22board%22%3A%22b%207%22%7D&token=s3cret%26x");
    CHECK(r->last_event_id.empty());
    CHECK(to_string(*r) == "http://127.0.0.1:8080" + r->target);

    sub.filter = nlohmann::json::object();
    sub.since = rt::proto::stream_position{"7f3a", 42};
    auto resumed = rt::client::sse_request_of("wss://localhost/live", sub, "");
    REQUIRE(resumed);
    CHECK(resumed->secure);
    CHECK(resumed->port == 443);
    CHECK(resumed->target == "/sse?subscription=TaskUpdates");
    CHECK(resumed->last_event_id == "7f3a:42");

    auto bad = rt::client::sse_request_of("http://127.0.0.1/live", sub, "");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error(), Catch::Contains("ws:// or wss://"));
}

TEST_CASE("sse_connection: sends GET with Last-Event-ID, delivers the stream's items in order, reports its end", "[client][sse]") {
    // The stream arrives in awkward pieces: head and first event together, an event split mid-line.
    canned_http_server server({sse_ok_head + "retry: 2000\n\nevent: snapshot\nid: e:4\nda",
                              "ta: {\"type\":\"subscribed\"}\n\n: ping\r\n",
                              "event: change\r\nid: e:5\r\ndata: {\"seq\":5}\r\n\r\n"});
    sse_probe probe;
    sse_run_to_close(probe, sse_local(server.port(), "e:3"), {}, 2);
    CHECK(probe.opened);
    REQUIRE(probe.items.size() == 4);
    CHECK(probe.items[0].what == rt::proto::sse_item::kind::retry);
    CHECK(probe.items[0].retry_ms == 2000);
    CHECK(probe.items[1].type == "snapshot");
    CHECK(probe.items[1].id == "e:4");
    CHECK(probe.items[1].data == "{\"type\":\"subscribed\"}");
    CHECK(probe.items[2].what == rt::proto::sse_item::kind::comment);
    CHECK(probe.items[3].type == "change");
    CHECK(probe.items[3].id == "e:5");
    CHECK(probe.code == rt::proto::close_code::abnormal);
    CHECK(probe.reason == "the server ended the stream");
    CHECK(probe.close_calls == 1);
    const std::string req = server.request();
    CHECK(req.rfind("GET /sse?subscription=TaskUpdates HTTP/1.1\r\n", 0) == 0);
    CHECK_THAT(req, Catch::Contains("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
    CHECK_THAT(req, Catch::Contains("\r\nAccept: text/event-stream\r\n"));
    CHECK_THAT(req, Catch::Contains("\r\nLast-Event-ID: e:3\r\n"));
}

TEST_CASE("sse_connection: a refusal reports its status and JSON body, never opens", "[client][sse]") {
    const std::string body = "{\"error\":\"UNKNOWN_SUBSCRIPTION\",\"message\":\"no subscription Nope\"}\n";
    SECTION("with Content-Length, the server keeping the connection open") {
        canned_http_server server({"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10),
                                  body.substr(10)},
                                 true);
        sse_probe probe;
        sse_run_to_close(probe, sse_local(server.port()));
        CHECK_FALSE(probe.opened);
        CHECK(probe.code == 404);
        CHECK(probe.reason == "HTTP 404 Not Found: " + body.substr(0, body.size() - 1));
    }
    SECTION("without Content-Length: the body ends with the connection") {
        canned_http_server server({"HTTP/1.1 403 Forbidden\r\n\r\n{\"error\":\"FORBIDDEN\"", ",\"message\":\"bad token\"}"});
        sse_probe probe;
        sse_run_to_close(probe, sse_local(server.port()));
        CHECK_FALSE(probe.opened);
        CHECK(probe.code == 403);
        CHECK(probe.reason == "HTTP 403 Forbidden: {\"error\":\"FORBIDDEN\",\"message\":\"bad token\"}");
    }
}

TEST_CASE("sse_connection: what is not an event stream is an error naming why", "[client][sse]") {
    struct row {
        std::vector<std::string> chunks;
        const char* reason;
    };
    const row rows[] = {
        {{"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>"}, "not an event stream: HTTP 200 with Content-Type 'text/html'"},
        {{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"},
         "unsupported Transfer-Encoding 'chunked'"},
        {{"garbage\r\n\r\n"}, "malformed response head"},
        {{"HTTP/1.1 200 OK\r\nContent-Type: text/ev"}, "closed before the response head"},
    };
    for (const auto& r : rows) {
        INFO(r.reason);
        canned_http_server server(r.chunks);
        sse_probe probe;
        sse_run_to_close(probe, sse_local(server.port()));
        CHECK_FALSE(probe.opened);
        CHECK(probe.code == rt::proto::close_code::abnormal);
        CHECK_THAT(probe.reason, Catch::Contains(r.reason));
    }
}

TEST_CASE("sse_connection: close() ends an open stream once, with sse_closed_by_client", "[client][sse]") {
    canned_http_server server({sse_ok_head + "data: one\n\n"}, true);
    rt::client::io_loop loop;
    loop.start(2);
    sse_probe probe;
    auto con = sse_connection::connect(loop, sse_local(server.port()), probe.handlers());
    REQUIRE(con);
    REQUIRE(probe.wait_items(1));
    CHECK((*con)->is_open());
    (*con)->close();
    (*con)->close();
    REQUIRE(probe.wait_closed());
    CHECK(probe.code == rt::client::sse_closed_by_client);
    CHECK(probe.reason.empty());
    con.value().reset();
    loop.stop();
    CHECK(probe.close_calls == 1);
}

TEST_CASE("sse_connection: a refused connect and a bad local address", "[client][sse]") {
    std::uint16_t port = 0;
    {
        asio::io_context ctx;
        asio::ip::tcp::acceptor a(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    sse_probe probe;
    sse_run_to_close(probe, sse_local(port));
    CHECK(probe.code == rt::proto::close_code::abnormal);
    CHECK_THAT(probe.reason, Catch::StartsWith("cannot connect to 127.0.0.1:" + std::to_string(port) + ": "));

    rt::client::io_loop loop;
    loop.start(1);
    rt::client::sse_options opts;
    opts.local_address = "not-an-ip";
    sse_probe unused;
    auto bad = sse_connection::connect(loop, sse_local(port), unused.handlers(), opts);
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error(), Catch::Contains("bad local address 'not-an-ip'"));
}

TEST_CASE("sse_connection: https is verified like wss (the CA, --insecure-skip-verify)", "[client][sse][tls]") {
    const auto& certs = rt::test::tls_certs();
    auto server_ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    server_ctx->use_certificate_chain_file(certs.cert);
    server_ctx->use_private_key_file(certs.key, asio::ssl::context::pem);
    SECTION("trusted through the CA file") {
        canned_http_server server({sse_ok_head + "data: over tls\n\n"}, false, server_ctx);
        sse_probe probe;
        rt::client::sse_options opts;
        opts.tls.ca_file = certs.ca;
        sse_run_to_close(probe, sse_local_tls(server.port()), opts);
        CHECK(probe.opened);
        REQUIRE(probe.items.size() == 1);
        CHECK(probe.items[0].data == "over tls");
    }
    SECTION("another CA: refused, with the reason and the hint") {
        canned_http_server server({sse_ok_head}, false, server_ctx);
        sse_probe probe;
        rt::client::sse_options opts;
        opts.tls.ca_file = certs.other_ca;
        sse_run_to_close(probe, sse_local_tls(server.port()), opts);
        CHECK_FALSE(probe.opened);
        CHECK(probe.code == rt::proto::close_code::tls_failed);
        CHECK_THAT(probe.reason, Catch::StartsWith("certificate verify failed: "));
    }
    SECTION("--insecure-skip-verify accepts it") {
        canned_http_server server({sse_ok_head + "data: x\n\n"}, false, server_ctx);
        sse_probe probe;
        rt::client::sse_options opts;
        opts.tls.insecure_skip_verify = true;
        sse_run_to_close(probe, sse_local_tls(server.port()), opts);
        CHECK(probe.opened);
        CHECK(probe.items.size() == 1);
    }
}
