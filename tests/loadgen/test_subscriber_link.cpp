// loadgen/subscriber_link with --transport sse against a canned stream: the request carries the
// subscribe (subscription, filter, token; a resume's since as Last-Event-ID), the data of the
// snapshot/change events reaches on_message as the WebSocket messages they are, heartbeats do
// not, and an `error` event becomes the close reason. The transport setting's names.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "client/io_loop.hpp"
#include "loadgen/config.hpp"
#include "loadgen/subscriber_link.hpp"
#include "support/canned_http_server.hpp"
#include "support/close_probe.hpp"

namespace {

struct link_probe : rt::test::close_probe {
    bool opened = false;
    std::vector<std::string> messages;

    rt::loadgen::link_handlers handlers() {
        rt::loadgen::link_handlers h;
        h.on_open = [this] {
            std::lock_guard<std::mutex> lock(mu);
            opened = true;
        };
        h.on_message = [this](std::string_view text) {
            std::lock_guard<std::mutex> lock(mu);
            messages.emplace_back(text);
        };
        h.on_close = close_handler();
        return h;
    }
};

}  // namespace

TEST_CASE("subscriber_link over sse: the request is the subscribe, event data reaches on_message, an error event is the close reason", "[loadgen][sse]") {
    const std::string subscribed =
        R"({"type":"subscribed","subscription":"TaskUpdates","epoch":"e1","seq":7,"recovered":true})";
    const std::string event =
        R"({"type":"event","subscription":"TaskUpdates","operation":"update","data":{"id":"t1","title":"x"},"epoch":"e1","seq":8,"ts":1})";
    rt::test::canned_http_server server({"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 2000\n\n",
                                         "event: resumed\nid: e1:7\ndata: " + subscribed + "\n\n: ping\n\n",
                                         "event: change\nid: e1:8\ndata: " + event + "\n\n",
                                         "event: error\ndata: {\"error\":\"SLOW_CONSUMER\",\"message\":\"over the limit\"}\n\n"});
    rt::loadgen::loadgen_config config;
    config.transport = rt::loadgen::transport::sse;
    const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/live";
    config.token = "tok";
    rt::proto::subscribe_msg sub;
    sub.subscription = "TaskUpdates";
    sub.filter = {{"board", "b1"}};
    sub.since = rt::proto::stream_position{"e1", 6};

    rt::client::io_loop loop;
    loop.start(1);
    link_probe probe;
    auto link = rt::loadgen::open_link(loop, config, url, sub, "127.0.0.1", probe.handlers());
    REQUIRE(link);
    REQUIRE(probe.wait_closed());
    CHECK((*link)->subscribe() == std::error_code());  // nothing to send: the request was the subscribe
    std::lock_guard<std::mutex> lock(probe.mu);
    CHECK(probe.opened);
    CHECK(probe.messages == std::vector<std::string>{subscribed, event});
    CHECK(probe.code == rt::proto::close_code::abnormal);
    CHECK(probe.reason == R"(error event: {"error":"SLOW_CONSUMER","message":"over the limit"})");
    const std::string req = server.request();
    CHECK(req.rfind("GET /sse?subscription=TaskUpdates&filter=%7B%22board%22%3A%22b1%22%7D&token=tok HTTP/1.1\r\n", 0) == 0);
    CHECK_THAT(req, Catch::Contains("\r\nLast-Event-ID: e1:6\r\n"));
}

TEST_CASE("transport setting: websocket or sse, anything else refused with the choices", "[loadgen][sse]") {
    rt::loadgen::loadgen_config c;
    CHECK(c.transport == rt::loadgen::transport::websocket);
    REQUIRE(rt::loadgen::apply_setting(c, "transport", "sse"));
    CHECK(c.transport == rt::loadgen::transport::sse);
    CHECK(rt::loadgen::to_string(c.transport) == "sse");
    REQUIRE(rt::loadgen::apply_setting(c, "transport", "websocket"));
    CHECK(c.transport == rt::loadgen::transport::websocket);
    auto bad = rt::loadgen::apply_setting(c, "transport", "ws");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "transport: expected 'websocket' or 'sse', got 'ws'");
}
