// hub::reload_spec without a transport: a recording sink stands for the connections. What each
// subscriber gets when a reload changes its subscription, and what a refused reload leaves alone.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/hub.hpp"

using namespace rt;
using namespace rt::server;
using json = nlohmann::json;

namespace {

const char* const k_hubr_v1 = R"(app Board {
  entity Card {
    attr lane: string
    attr size: int
  }
  subscription Cards: Card
  subscription Lanes: Card
})";

// Lanes is Cards under another name: both change together when Card's attributes do.
std::shared_ptr<const spec::app> hubr_parse(const std::string& text) {
    auto r = spec::parse_spec(text, "board.spec");
    REQUIRE(r.ok());
    return std::make_shared<const spec::app>(std::move(r).value());
}

struct hubr_sink : delivery_sink {
    std::vector<std::pair<conn_context*, json>> out;
    bool subscribed_too_large = false;  // answer too_large for a `subscribed` (a small output limit)
    send_status send_to(conn_context& c, const frame_ptr& f) override {
        json j = json::parse(*f);
        if (subscribed_too_large && j["type"] == "subscribed") return send_status::too_large;
        out.emplace_back(&c, std::move(j));
        return send_status::sent;
    }
    void fan_out(const frame_ptr& f, const std::vector<conn_context*>& subscribers) override {
        for (conn_context* c : subscribers) out.emplace_back(c, json::parse(*f));
    }
    std::vector<json> to(const conn_context& c) const {
        std::vector<json> v;
        for (const auto& [who, j] : out)
            if (who == &c) v.push_back(j);
        return v;
    }
};

struct hubr_world {
    std::shared_ptr<const spec::app> app = hubr_parse(k_hubr_v1);
    std::unique_ptr<store> db = std::move(store::open(":memory:", *app).value());
    hubr_sink sink;
    metrics m;
    hub h{*app, *db, hub_config{}, m, sink};
    std::vector<std::shared_ptr<conn_context>> conns;

    ~hubr_world() {
        for (auto& c : conns) h.disconnect(*c);
    }
    conn_context& subscribed(const char* sub, const json& filter, std::optional<std::int64_t> throttle = std::nullopt,
                             bool batch = false) {
        conns.push_back(std::make_shared<conn_context>(conns.size() + 1, rights::allow_all("u"), "", proto::token_bucket(1e9, 1e9),
                                                       proto::output_limit(proto::output_limit_config{})));
        proto::subscribe_msg sm;
        sm.subscription = sub;
        sm.filter = filter;
        sm.throttle_ms = throttle;
        sm.batch = batch;
        REQUIRE(h.subscribe(*conns.back(), nullptr, sm));
        return *conns.back();
    }
    void publish(const json& row) {
        REQUIRE(h.publish(rights::allow_all("u"), proto::publish_msg{"Card", proto::operation::insert, row}).ok());
    }
};

}  // namespace

TEST_CASE("hub reload: a subscriber whose filter no longer fits gets an error, then unsubscribed spec_changed", "[hub][reload]") {
    hubr_world w;
    conn_context& c = w.subscribed("Cards", {{"size", 3}});
    w.sink.out.clear();
    std::string v2 = k_hubr_v1;
    v2.replace(v2.find("attr size: int"), 14, "attr size: string");
    auto done = w.h.reload_spec(hubr_parse(v2), "v2", w.conns);
    REQUIRE(done.ok());
    CHECK(done->changed == std::vector<std::string>{"Cards", "Lanes"});
    auto got = w.sink.to(c);
    REQUIRE(got.size() == 3);
    CHECK(got[0]["type"] == "spec_changed");
    CHECK(got[1]["type"] == "error");
    CHECK(got[1]["code"] == "INVALID_FILTER");
    CHECK(got[1]["message"].get<std::string>().find("'Cards' ended by a spec reload") != std::string::npos);
    CHECK(got[2] == json{{"type", "unsubscribed"}, {"subscription", "Cards"}, {"reason", "spec_changed"}});
    CHECK(c.subscriptions.empty());
}

TEST_CASE("hub reload: a snapshot over the output limit ends the subscription with TOO_LARGE", "[hub][reload]") {
    hubr_world w;
    w.publish({{"id", "k1"}, {"lane", "a"}, {"size", 1}});
    conn_context& c = w.subscribed("Lanes", json::object());
    w.sink.out.clear();
    w.sink.subscribed_too_large = true;
    std::string v2 = k_hubr_v1;
    v2.replace(v2.find("attr lane: string"), 17, "attr lane: string\n    attr note: string");
    REQUIRE(w.h.reload_spec(hubr_parse(v2), "v2", w.conns).ok());
    auto got = w.sink.to(c);
    REQUIRE(got.size() == 3);
    CHECK(got[1]["code"] == "TOO_LARGE");
    CHECK(got[2]["reason"] == "spec_changed");
    CHECK(c.subscriptions.empty());
}

TEST_CASE("hub reload: an unchanged throttled subscription keeps its group, seq and pointer into the new spec", "[hub][reload]") {
    hubr_world w;
    conn_context& c = w.subscribed("Cards", json::object(), 100);
    w.publish({{"id", "k1"}, {"lane", "a"}, {"size", 1}});
    w.h.flush_throttled(std::numeric_limits<std::int64_t>::max());
    auto next = hubr_parse(std::string(k_hubr_v1).replace(std::string(k_hubr_v1).find("  subscription Lanes: Card\n"), 27, ""));
    REQUIRE(w.h.reload_spec(next, "v2", w.conns).ok());
    REQUIRE(c.subscriptions.size() == 1);
    const conn_subscription& s = c.subscriptions.begin()->second;
    CHECK(s.tg != nullptr);
    CHECK(s.st->sub == next->find_subscription("Cards"));  // re-pointed: the old app may go
    w.publish({{"id", "k2"}, {"lane", "a"}, {"size", 1}});
    w.h.flush_throttled(std::numeric_limits<std::int64_t>::max());
    std::vector<std::uint64_t> seqs;
    for (const auto& j : w.sink.to(c))
        if (j["type"] == "event") seqs.push_back(j["seq"].get<std::uint64_t>());
    CHECK(seqs == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("hub reload: a refused reload (a misfit row) changes nothing and tells no one", "[hub][reload]") {
    hubr_world w;
    w.publish({{"id", "k1"}, {"lane", "a"}, {"size", 7}});
    conn_context& c = w.subscribed("Cards", json::object());
    const auto epoch = w.sink.to(c).front()["epoch"];
    w.sink.out.clear();
    std::string v2 = k_hubr_v1;
    v2.replace(v2.find("attr size: int"), 14, "attr size: bool");
    auto done = w.h.reload_spec(hubr_parse(v2), "v2", w.conns);
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().find("1 stored row(s) do not fit the new spec:\n  Card 'k1': size: expected bool") == 0);
    CHECK(w.sink.out.empty());
    CHECK(&w.h.app() == w.app.get());
    w.publish({{"id", "k2"}, {"lane", "a"}, {"size", 1}});
    auto got = w.sink.to(c);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["epoch"] == epoch);
}

TEST_CASE("hub reload: a changed subscription is subscribed again with the window and batching it asked for", "[hub][reload]") {
    hubr_world w;
    conn_context& c = w.subscribed("Cards", json::object(), 250, true);
    w.sink.out.clear();
    std::string v2 = k_hubr_v1;
    v2.replace(v2.find("attr lane: string"), 17, "attr lane: string\n    attr note: string");
    REQUIRE(w.h.reload_spec(hubr_parse(v2), "v2", w.conns).ok());
    auto got = w.sink.to(c);
    REQUIRE(got.size() == 2);
    CHECK(got[1]["type"] == "subscribed");
    CHECK(got[1]["reason"] == "spec_changed");
    CHECK(got[1]["throttle"] == "250ms");
    CHECK(got[1]["batch"] == true);
    REQUIRE(c.subscriptions.size() == 1);
    CHECK(c.subscriptions.begin()->second.batch);
    CHECK(c.subscriptions.begin()->second.throttle_asked == 250);
}

TEST_CASE("hub reload: the rest of the server switches (applying) before any connection is told, and a refused reload never calls it",
          "[hub][reload]") {
    hubr_world w;
    conn_context& c = w.subscribed("Cards", json::object());
    w.sink.out.clear();
    std::string v2 = k_hubr_v1;
    v2.replace(v2.find("  subscription Lanes: Card\n"), 27, "");
    std::optional<std::size_t> frames_before;
    const spec::app* app_then = nullptr;
    REQUIRE(w.h.reload_spec(hubr_parse(v2), "v2", w.conns, [&] {
        frames_before = w.sink.out.size();
        app_then = &w.h.app();
    }).ok());
    REQUIRE(frames_before.has_value());
    CHECK(*frames_before == 0);                                  // nobody told yet ...
    CHECK(app_then != w.app.get());                              // ... and the hub already serves the new spec
    CHECK(w.sink.to(c).front()["type"] == "spec_changed");       // then told
    bool called = false;
    std::string v3 = v2;
    v3.replace(v3.find("attr size: int"), 14, "attr size: bool");
    w.publish({{"id", "k1"}, {"lane", "a"}, {"size", 7}});      // a row the next spec refuses
    REQUIRE_FALSE(w.h.reload_spec(hubr_parse(v3), "v3", w.conns, [&] { called = true; }).ok());
    CHECK_FALSE(called);
}
