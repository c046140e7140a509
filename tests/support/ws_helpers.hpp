#pragma once
// Test helpers over client::sync_client: connect with a REQUIRE, request/reply by id, wait for
// a message of a type. Every wait is bounded.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "client/sync_client.hpp"
#include "support/rt_process.hpp"

namespace rt::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto k_wait = std::chrono::milliseconds(5000);  // generous for a loaded 2-core CI box

inline std::unique_ptr<client::sync_client> connect_ws(const std::string& url) {
    auto c = client::sync_client::connect(url, k_wait);
    INFO("connect " << url << ": " << (c ? std::string("ok") : c.error()));
    REQUIRE(c.ok());
    return std::move(c.value());
}

// Sends `msg` (which must carry an "id") and returns the reply with that id (skipping, but
// keeping, anything else); an empty json on timeout.
inline json request(client::sync_client& c, const json& msg) {
    REQUIRE_FALSE(c.send_json(msg));
    auto r = c.receive_until([&](const json& j) { return j.contains("id") && j["id"] == msg["id"]; }, k_wait);
    return r ? *r : json();
}

// The next message of `type` (others stay queued).
inline json next_of_type(client::sync_client& c, const std::string& type, std::chrono::milliseconds t = k_wait) {
    auto r = c.receive_until([&](const json& j) { return j.value("type", "") == type; }, t);
    return r ? *r : json();
}

inline json subscribe(client::sync_client& c, const std::string& sub, const json& filter = json::object(),
                      const std::string& id = "sub") {
    json m = {{"id", id}, {"type", "subscribe"}, {"subscription", sub}};
    if (!filter.empty()) m["filter"] = filter;
    return request(c, m);
}

inline json publish(client::sync_client& c, const std::string& entity, const std::string& op, const json& data,
                    const std::string& id = "pub") {
    return request(c, {{"id", id}, {"type", "publish"}, {"entity", entity}, {"operation", op}, {"data", data}});
}

inline json task(const std::string& id, const std::string& status, const std::string& board = "b1", int priority = 1) {
    return {{"id", id}, {"title", "task " + id}, {"status", status}, {"board", board}, {"priority", priority}};
}

}  // namespace rt::test
