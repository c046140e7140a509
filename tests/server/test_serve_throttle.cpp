// Throttled delivery on a real rt serve (docs/protocol.md, "Throttled delivery"): a throttled
// subscriber ends with the same rows as an unthrottled one from fewer events, in its own gap-free
// seq space; it resumes; bad windows are refused; the spec's default applies.
#include <fstream>
#include <map>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

// Cursors: throttled by default (100ms); AllCursors: not, unless the subscribe asks.
std::string cursor_spec() {
    static const std::string path = [] {
        std::string p = temp_path("cursors.spec");
        std::ofstream(p) << "app Pointers {\n"
                            "  entity Cursor { attr user: string attr x: int attr y: int }\n"
                            "  subscription Cursors: Cursor throttle 100ms\n"
                            "  subscription AllCursors: Cursor\n"
                            "}\n";
        return p;
    }();
    return path;
}

json cursor(const std::string& id, int x) { return {{"id", id}, {"user", "u-" + id}, {"x", x}, {"y", 2 * x}}; }

json subscribe_throttled(rt::client::sync_client& c, const std::string& sub, const std::string& throttle,
                         std::optional<std::pair<std::string, std::uint64_t>> since = std::nullopt, bool batch = false,
                         const std::string& sid = "") {
    json m = {{"id", "t"}, {"type", "subscribe"}, {"subscription", sub}};
    if (!throttle.empty()) m["throttle"] = throttle;
    if (batch) m["batch"] = true;
    if (!sid.empty()) m["sid"] = sid;
    if (since) m["since"] = {{"epoch", since->first}, {"seq", since->second}};
    return request(c, m);
}

// A subscriber's view of the rows: the snapshot, then every event applied in order. Checks that
// the seqs it receives follow each other with no gap.
struct replica {
    std::map<std::string, json> rows;
    std::uint64_t seq = 0;
    std::size_t events = 0;

    void start(const json& subscribed) {
        seq = subscribed["seq"];
        if (subscribed.contains("initial"))
            for (const auto& r : subscribed["initial"]) rows[r["id"].get<std::string>()] = r;
    }
    void apply(const json& ev) {
        REQUIRE(ev["seq"] == seq + 1);  // gap-free, no duplicate
        seq = ev["seq"];
        ++events;
        if (ev["operation"] == "delete") rows.erase(ev["data"]["id"].get<std::string>());
        else rows[ev["data"]["id"].get<std::string>()] = ev["data"];
    }
    // Applies events until row `id` has x == `x`.
    void until(rt::client::sync_client& c, const std::string& id, int x) {
        while (!(rows.count(id) && rows[id]["x"] == x)) {
            json ev = next_of_type(c, "event");
            REQUIRE(ev.is_object());
            apply(ev);
        }
    }
    // The same for a batched subscriber: applies `events` frames (each item in order) and counts
    // them in `frames`; every item carries the frame's epoch.
    std::size_t frames = 0;
    void until_batched(rt::client::sync_client& c, const std::string& id, int x, const std::string& sid = "") {
        while (!(rows.count(id) && rows[id]["x"] == x)) {
            json batch = next_of_type(c, "events");
            REQUIRE(batch.is_object());
            ++frames;
            CHECK(batch.value("sid", "") == sid);
            REQUIRE(batch["events"].is_array());
            CHECK_FALSE(batch["events"].empty());
            for (const auto& item : batch["events"]) apply(item);
        }
    }
};

// Moves c1 many times, adds and removes c2 in between, adds c3, deletes c1; then c9 at x=1 marks the end.
void churn(rt::client::sync_client& pub) {
    REQUIRE(publish(pub, "Cursor", "insert", cursor("c1", 0))["type"] == "published");
    for (int x = 1; x <= 30; ++x) REQUIRE(publish(pub, "Cursor", "update", cursor("c1", x))["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "insert", cursor("c2", 5))["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "delete", json{{"id", "c2"}})["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "insert", cursor("c3", 7))["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "update", cursor("c3", 8))["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "delete", json{{"id", "c1"}})["type"] == "published");
    REQUIRE(publish(pub, "Cursor", "insert", cursor("c9", 1))["type"] == "published");
}

}  // namespace

TEST_CASE("a throttled subscriber ends with the rows of an unthrottled one, from fewer events", "[throttle]") {
    rt_server srv({}, cursor_spec());
    auto pub = connect_ws(srv.ws_url());
    REQUIRE(publish(*pub, "Cursor", "insert", cursor("c0", 3))["type"] == "published");
    auto plain = connect_ws(srv.ws_url());
    auto slow = connect_ws(srv.ws_url());
    auto by_spec = connect_ws(srv.ws_url());
    json sp = subscribe_throttled(*plain, "AllCursors", "");
    json ss = subscribe_throttled(*slow, "AllCursors", "250ms");
    json sd = subscribe_throttled(*by_spec, "Cursors", "");
    REQUIRE(sp["type"] == "subscribed");
    REQUIRE(ss["type"] == "subscribed");
    REQUIRE(sd["type"] == "subscribed");
    CHECK_FALSE(sp.contains("throttle"));
    CHECK(ss["throttle"] == "250ms");
    CHECK(sd["throttle"] == "100ms");  // the spec's default
    CHECK(ss["epoch"] != sp["epoch"]);  // a throttled subscription has its own seq space
    replica a, b, d;
    a.start(sp);
    b.start(ss);
    d.start(sd);
    CHECK(b.rows == a.rows);

    churn(*pub);
    a.until(*plain, "c9", 1);
    b.until(*slow, "c9", 1);
    d.until(*by_spec, "c9", 1);
    CHECK(a.events == 37);
    CHECK(b.rows == a.rows);
    CHECK(d.rows == a.rows);
    CHECK(b.rows.count("c1") == 0);
    CHECK(b.events < a.events);  // 37 changes in well under 250ms: a few coalesced events
    CHECK(d.events < a.events);
    auto m = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(m.body, Catch::Contains("rt_throttled_events_total " + std::to_string(b.events + d.events)));
}

TEST_CASE("a throttled subscription resumes from its own seq, then continues throttled", "[throttle][resume]") {
    rt_server srv({}, cursor_spec());
    auto pub = connect_ws(srv.ws_url());
    std::string epoch;
    std::uint64_t seq = 0;
    {
        auto sub = connect_ws(srv.ws_url());
        json s = subscribe_throttled(*sub, "AllCursors", "20ms");
        REQUIRE(s["type"] == "subscribed");
        replica r;
        r.start(s);
        REQUIRE(publish(*pub, "Cursor", "insert", cursor("c0", 1))["type"] == "published");
        r.until(*sub, "c0", 1);
        epoch = s["epoch"];
        seq = r.seq;
    }  // gone
    churn(*pub);
    auto sub = connect_ws(srv.ws_url());
    json s = subscribe_throttled(*sub, "AllCursors", "20ms", std::make_pair(epoch, seq));
    REQUIRE(s["type"] == "subscribed");
    CHECK(s["recovered"] == true);
    CHECK(s["epoch"] == epoch);
    replica r;
    r.rows["c0"] = cursor("c0", 1);  // what it held
    r.seq = seq;
    r.until(*sub, "c9", 1);  // the replay (coalesced while it was away), gap-free from its seq
    CHECK(r.seq == s["seq"]);
    REQUIRE(publish(*pub, "Cursor", "update", cursor("c9", 2))["type"] == "published");
    r.until(*sub, "c9", 2);  // then live, throttled
    auto fresh = connect_ws(srv.ws_url());
    json all = subscribe_throttled(*fresh, "AllCursors", "");
    replica want;
    want.start(all);
    CHECK(r.rows == want.rows);

    // The group's position means nothing to the unthrottled stream (nor another window): a resync.
    auto other = connect_ws(srv.ws_url());
    json o = subscribe_throttled(*other, "AllCursors", "", std::make_pair(epoch, seq));
    REQUIRE(o["type"] == "subscribed");
    CHECK(o["recovered"] == false);
    json w = subscribe_throttled(*other, "AllCursors", "30ms", std::make_pair(epoch, seq));
    CHECK(w["recovered"] == false);
}

TEST_CASE("throttle windows outside 10ms..60s, or not durations, are refused naming the field", "[throttle]") {
    rt_server srv({}, cursor_spec());
    auto c = connect_ws(srv.ws_url());
    for (json bad : {json("5ms"), json("61s"), json("0"), json("soon"), json(100), json(true)}) {
        INFO("throttle " << bad.dump());
        json r = request(*c, {{"id", "x"}, {"type", "subscribe"}, {"subscription", "Cursors"}, {"throttle", bad}});
        REQUIRE(r["type"] == "error");
        CHECK(r["code"] == "BAD_REQUEST");
        CHECK_THAT(r["message"].get<std::string>(), Catch::Contains("throttle"));
    }
    // The limits themselves are accepted, and a subscribe's window replaces the spec's default.
    CHECK(subscribe_throttled(*c, "Cursors", "10ms")["throttle"] == "10ms");
    CHECK(subscribe_throttled(*c, "Cursors", "60s")["throttle"] == "1m");
}

TEST_CASE("a batched subscriber gets each window as one events frame, with the unbatched group's seqs", "[throttle][batch]") {
    rt_server srv({}, cursor_spec());
    auto pub = connect_ws(srv.ws_url());
    auto single = connect_ws(srv.ws_url());
    auto batched = connect_ws(srv.ws_url());
    auto with_sid = connect_ws(srv.ws_url());
    json s1 = subscribe_throttled(*single, "AllCursors", "100ms");
    json s2 = subscribe_throttled(*batched, "AllCursors", "100ms", std::nullopt, true);
    json s3 = subscribe_throttled(*with_sid, "AllCursors", "100ms", std::nullopt, true, "pane");
    REQUIRE(s2["type"] == "subscribed");
    CHECK_FALSE(s1.contains("batch"));
    CHECK(s2["batch"] == true);
    CHECK(s3["sid"] == "pane");
    CHECK(s2["epoch"] == s1["epoch"]);  // one throttle group: one seq space for both
    replica a, b, c;
    a.start(s1);
    b.start(s2);
    c.start(s3);

    churn(*pub);
    a.until(*single, "c9", 1);
    b.until_batched(*batched, "c9", 1);
    c.until_batched(*with_sid, "c9", 1, "pane");
    CHECK(b.rows == a.rows);
    CHECK(c.rows == a.rows);
    CHECK(b.seq == a.seq);  // the same coalesced events, item by item
    CHECK(b.events == a.events);
    CHECK(b.frames < b.events);  // 37 changes well inside a few windows: several rows per frame
    // No `event` frame ever reached the batched subscriber.
    CHECK_FALSE(batched->receive_until([](const json& j) { return j.value("type", "") == "event"; },
                                       std::chrono::milliseconds(150)));
    auto m = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(m.body, Catch::Contains("rt_throttled_batches_total " + std::to_string(b.frames)));
}

TEST_CASE("batch needs a throttle window and a boolean, each refused naming 'batch'", "[throttle][batch]") {
    rt_server srv({}, cursor_spec());
    auto c = connect_ws(srv.ws_url());
    json r = request(*c, {{"id", "x"}, {"type", "subscribe"}, {"subscription", "AllCursors"}, {"batch", true}});
    REQUIRE(r["type"] == "error");
    CHECK(r["code"] == "BAD_REQUEST");
    CHECK_THAT(r["message"].get<std::string>(), Catch::Contains("'batch'") && Catch::Contains("throttle"));
    r = request(*c, {{"id", "y"}, {"type", "subscribe"}, {"subscription", "Cursors"}, {"batch", "yes"}});
    REQUIRE(r["type"] == "error");
    CHECK_THAT(r["message"].get<std::string>(), Catch::Contains("'batch'"));
    // The spec's default window is enough; batch:false is plain throttled delivery.
    CHECK(subscribe_throttled(*c, "Cursors", "", std::nullopt, true)["batch"] == true);
    json plain = request(*c, {{"id", "z"}, {"type", "subscribe"}, {"subscription", "AllCursors"}, {"batch", false}});
    CHECK(plain["type"] == "subscribed");
    CHECK_FALSE(plain.contains("batch"));
}

TEST_CASE("a batched subscriber's resume replays single event frames, then continues batched", "[throttle][batch][resume]") {
    rt_server srv({}, cursor_spec());
    auto pub = connect_ws(srv.ws_url());
    std::string epoch;
    std::uint64_t seq = 0;
    {
        auto sub = connect_ws(srv.ws_url());
        json s = subscribe_throttled(*sub, "AllCursors", "20ms", std::nullopt, true);
        REQUIRE(s["type"] == "subscribed");
        replica r;
        r.start(s);
        REQUIRE(publish(*pub, "Cursor", "insert", cursor("c0", 1))["type"] == "published");
        r.until_batched(*sub, "c0", 1);
        epoch = s["epoch"];
        seq = r.seq;
    }  // gone
    churn(*pub);
    auto sub = connect_ws(srv.ws_url());
    json s = subscribe_throttled(*sub, "AllCursors", "20ms", std::make_pair(epoch, seq), true);
    REQUIRE(s["type"] == "subscribed");
    CHECK(s["recovered"] == true);
    CHECK(s["batch"] == true);
    replica r;
    r.rows["c0"] = cursor("c0", 1);
    r.seq = seq;
    r.until(*sub, "c9", 1);  // the replay: single `event` frames, gap-free from its seq
    CHECK(r.seq == s["seq"]);
    REQUIRE(publish(*pub, "Cursor", "update", cursor("c9", 2))["type"] == "published");
    r.until_batched(*sub, "c9", 2);  // then live, batched
    CHECK(r.frames == 1);
}
