// reconnecting_subscriber against a scripted protocol server (echo_server with a custom handler).
#include <condition_variable>
#include <mutex>

#include <catch2/catch.hpp>

#include "client/reconnecting_subscriber.hpp"
#include "echo_server.hpp"
#include "protocol/messages.hpp"

using namespace rt::client;
using namespace rt::proto;
using namespace std::chrono_literals;

namespace {

// Everything the runner reported, for assertions from the test thread.
struct observed {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::uint64_t> seqs;
    std::vector<std::string> status;
    std::vector<json> received_by_server;
    bool stopped = false;
    stop_reason why = stop_reason::stopped;
    std::string detail;

    subscriber_callbacks callbacks() {
        subscriber_callbacks cb;
        cb.on_event = [this](const event_msg& e) { update([&] { seqs.push_back(e.position.seq); }); };
        cb.on_status = [this](const std::string& line) { update([&] { status.push_back(line); }); };
        cb.on_stopped = [this](stop_reason r, const std::string& d) {
            update([&] {
                stopped = true;
                why = r;
                detail = d;
            });
        };
        return cb;
    }
    template <class F>
    void update(F f) {
        std::lock_guard<std::mutex> lock(mutex);
        f();
        cv.notify_all();
    }
    template <class P>
    bool wait(P pred, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(mutex);
        return cv.wait_for(lock, timeout, pred);
    }
    bool has_status(const std::string& part) {
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& s : status)
            if (s.find(part) != std::string::npos) return true;
        return false;
    }
};

std::string row_json(std::uint64_t n) { return R"({"id":"t)" + std::to_string(n) + R"(","title":"x"})"; }

std::string ev(std::uint64_t seq) {
    return encode_event("TaskUpdates", operation::insert, row_json(seq), stream_position{"e1", seq}, 0);
}

subscriber_options fast_options(const std::string& url) {
    subscriber_options o;
    o.url = url;
    o.session.backoff = {10ms, 50ms};  // keep the test quick
    o.session.seed = 7;
    return o;
}

}  // namespace

TEST_CASE("runner: snapshot, reconnect with resume, gap filled by replay", "[runner]") {
    rt::test::echo_server srv;
    observed obs;
    int subscribes_on_second = 0;
    srv.set_handler([&](rt::test::echo_server::peer& p, const std::string& text) {
        json m = json::parse(text);
        obs.update([&] { obs.received_by_server.push_back(m); });
        if (m["type"] == "unsubscribe") {
            p.send(encode_unsubscribed(m["id"], "TaskUpdates"));
            return;
        }
        if (m["type"] != "subscribe") return;
        subscribed_msg s;
        s.subscription = "TaskUpdates";
        if (p.connection_number == 1) {
            s.position = {"e1", 2};
            s.initial = json::array({json::parse(row_json(1)), json::parse(row_json(2))});
            p.send(encode_subscribed(m["id"], s));
            p.send(ev(3));
            p.send(ev(4));
            p.close(1001, "restarting");
        } else if (++subscribes_on_second == 1) {
            s.position = {"e1", 6};
            s.recovered = true;
            p.send(encode_subscribed(m["id"], s));
            p.send(ev(5));
            p.send(ev(6));
            p.send(ev(8));  // 7 was lost: a gap
        } else {
            s.position = {"e1", 8};
            s.recovered = true;
            p.send(encode_subscribed(m["id"], s));
            p.send(ev(7));
            p.send(ev(8));
        }
    });

    io_loop loop;
    loop.start(1);
    auto runner = reconnecting_subscriber::create(loop, fast_options(srv.url()),
                                         {{"TaskUpdates", json{{"board", "b1"}}, std::nullopt}}, obs.callbacks());
    REQUIRE(runner.ok());
    (*runner)->start();
    REQUIRE(obs.wait([&] { return obs.seqs.size() >= 6; }));
    {
        std::lock_guard<std::mutex> lock(obs.mutex);
        CHECK(obs.seqs == std::vector<std::uint64_t>{3, 4, 5, 6, 7, 8});
        // What the server was asked: fresh, then since 4 after the reconnect, then since 6 after the gap.
        std::vector<json> subs;
        for (const auto& m : obs.received_by_server)
            if (m["type"] == "subscribe") subs.push_back(m);
        REQUIRE(subs.size() == 3);
        CHECK_FALSE(subs[0].contains("since"));
        CHECK(subs[1]["since"] == json{{"epoch", "e1"}, {"seq", 4}});
        CHECK(subs[2]["since"] == json{{"epoch", "e1"}, {"seq", 6}});
    }
    auto c = (*runner)->counters();
    CHECK(c.reconnects == 1);
    CHECK(c.snapshots == 1);
    CHECK(c.resumed == 2);
    CHECK(c.gaps == 1);
    CHECK(c.events_delivered == 6);
    CHECK((*runner)->rows("TaskUpdates").size() == 8);
    CHECK((*runner)->position("TaskUpdates") == stream_position{"e1", 8});
    CHECK(obs.has_status("connected to ws://127.0.0.1:"));
    CHECK(obs.has_status("TaskUpdates: snapshot of 2 rows"));
    CHECK(obs.has_status("disconnected (1001 restarting); reconnecting in "));
    CHECK(obs.has_status("(attempt 1)"));
    CHECK(obs.has_status("TaskUpdates: resumed with 2 replayed events"));
    CHECK(obs.has_status("TaskUpdates: gap after seq 6 (got 8); resuming"));

    (*runner)->stop();
    CHECK(obs.stopped);
    CHECK(obs.why == stop_reason::stopped);
    runner.value().reset();
    loop.stop();
}

TEST_CASE("runner: gives up after max_retries failed connects", "[runner]") {
    observed obs;
    io_loop loop;
    loop.start(1);
    auto opts = fast_options("ws://127.0.0.1:" + std::to_string(rt::test::unused_port()) + "/live");
    opts.max_retries = 2;
    auto runner = reconnecting_subscriber::create(loop, opts, {{"TaskUpdates", json::object(), std::nullopt}}, obs.callbacks());
    REQUIRE(runner.ok());
    (*runner)->start();
    REQUIRE(obs.wait([&] { return obs.stopped; }));
    CHECK(obs.why == stop_reason::gave_up);
    CHECK_THAT(obs.detail, Catch::Contains("refused"));
    CHECK(obs.has_status("(attempt 2)"));
    CHECK(obs.has_status("giving up after 2 retries"));
    CHECK_FALSE(obs.has_status("(attempt 3)"));
    runner.value().reset();
    loop.stop();
}

TEST_CASE("runner: a refused subscription stops it with the server's error", "[runner]") {
    rt::test::echo_server srv;
    srv.set_handler([](rt::test::echo_server::peer& p, const std::string& text) {
        json m = json::parse(text);
        p.send(encode_error(m["id"], error_code::unknown_subscription, "no subscription Nope"));
    });
    observed obs;
    io_loop loop;
    loop.start(1);
    auto runner = reconnecting_subscriber::create(loop, fast_options(srv.url()), {{"Nope", json::object(), std::nullopt}},
                                         obs.callbacks());
    REQUIRE(runner.ok());
    (*runner)->start();
    REQUIRE(obs.wait([&] { return obs.stopped; }));
    CHECK(obs.why == stop_reason::refused);
    CHECK_THAT(obs.detail, Catch::Contains("UNKNOWN_SUBSCRIPTION"));
    CHECK(obs.has_status("server error UNKNOWN_SUBSCRIPTION: no subscription Nope (Nope)"));
    runner.value().reset();
    loop.stop();
}

TEST_CASE("runner: stop() from inside on_event, bad URL is an error at create", "[runner]") {
    rt::test::echo_server srv;
    srv.set_handler([](rt::test::echo_server::peer& p, const std::string& text) {
        json m = json::parse(text);
        subscribed_msg s;
        s.subscription = "TaskUpdates";
        s.position = {"e1", 0};
        p.send(encode_subscribed(m["id"], s));
        for (std::uint64_t i = 1; i <= 10; ++i) p.send(ev(i));
    });
    observed obs;
    io_loop loop;
    loop.start(1);
    std::shared_ptr<reconnecting_subscriber> r;
    auto cb = obs.callbacks();
    int count = 0;
    cb.on_event = [&](const event_msg& e) {
        obs.update([&] { obs.seqs.push_back(e.position.seq); });
        if (++count == 3) r->stop();  // rt subscribe --count 3
    };
    auto created = reconnecting_subscriber::create(loop, fast_options(srv.url()), {{"TaskUpdates", json::object(), std::nullopt}},
                                          cb);
    REQUIRE(created.ok());
    r = created.value();
    r->start();
    REQUIRE(obs.wait([&] { return obs.stopped; }));
    CHECK(obs.why == stop_reason::stopped);
    {
        std::lock_guard<std::mutex> lock(obs.mutex);
        CHECK(obs.seqs == std::vector<std::uint64_t>{1, 2, 3});
    }
    r.reset();
    loop.stop();

    auto bad = reconnecting_subscriber::create(loop, subscriber_options{}, {}, {});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error(), Catch::Contains("bad URL"));
}

TEST_CASE("runner: a batched window delivers each event, a spec reload is reported, the last subscription ended stops it", "[runner][reload]") {
    rt::test::echo_server srv;
    // Subscribed at seq 0, one batched window of two events, then a reload that removes the subscription.
    srv.set_handler([](rt::test::echo_server::peer& p, const std::string& text) {
        json m = json::parse(text);
        if (m["type"] != "subscribe") return;
        subscribed_msg s{"Cursors", {"g1", 0}, false, json::array()};
        s.throttle_ms = 100;
        s.batch = true;
        p.send(encode_subscribed(m["id"], s));
        const std::string r1 = row_json(1), r2 = row_json(2);
        p.send(encode_events("Cursors", "g1", {{operation::insert, r1, 1, 0}, {operation::insert, r2, 2, 0}}));
        p.send(encode_spec_changed({"v2", {}, {}, {"Cursors"}}));
        p.send(encode_unsubscribed(nullptr, "Cursors", "", "spec_changed"));
    });
    observed obs;
    io_loop loop;
    loop.start(1);
    subscription_request req{"Cursors", json::object(), std::nullopt};
    req.throttle_ms = 100;
    req.batch = true;
    auto runner = reconnecting_subscriber::create(loop, fast_options(srv.url()), {req}, obs.callbacks());
    REQUIRE(runner.ok());
    (*runner)->start();
    REQUIRE(obs.wait([&] { return obs.stopped; }));
    CHECK(obs.why == stop_reason::ended);
    CHECK_THAT(obs.detail, Catch::Contains("Cursors ended by the server (spec_changed)"));
    CHECK(obs.seqs == std::vector<std::uint64_t>{1, 2});
    CHECK(obs.has_status("spec changed (version v2): added [], changed [], removed [Cursors]"));
    CHECK(obs.has_status("Cursors: ended by the server (spec_changed: the new spec removed it)"));
    CHECK((*runner)->counters().batches == 1);
    runner.value().reset();
    loop.stop();
}
