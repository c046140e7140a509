// client_session: the pure client state machine, driven with decoded server messages.
#include <catch2/catch.hpp>

#include "protocol/client_session.hpp"

using namespace rt::proto;
using namespace std::chrono_literals;

namespace {

server_message subscribed(const std::string& name, const std::string& epoch, std::uint64_t seq, bool recovered,
                          json initial = json::array()) {
    subscribed_msg m;
    m.subscription = name;
    m.position = {epoch, seq};
    m.recovered = recovered;
    m.initial = std::move(initial);
    return server_message{json(), std::move(m)};
}

server_message event(const std::string& name, std::uint64_t seq, json data, operation op = operation::insert,
                     const std::string& epoch = "e1") {
    event_msg m;
    m.subscription = name;
    m.op = op;
    m.data = std::move(data);
    m.position = {epoch, seq};
    return server_message{json(), std::move(m)};
}

server_message error(error_code code, json id = json()) {
    return server_message{std::move(id), error_msg{protocol_error{code, "because"}}};
}

json frame(const std::string& text) { return json::parse(text); }

json titled_row(const std::string& id, const std::string& title) { return json{{"id", id}, {"title", title}}; }

// A session subscribed to TaskUpdates and live at e1:10 with rows t1, t2.
client_session live_session(client_session_options opts = {}) {
    client_session s(opts);
    s.subscribe({"TaskUpdates", json{{"board", "b1"}}, std::nullopt});
    s.on_connected();
    auto u = s.handle(subscribed("TaskUpdates", "e1", 10, false, json::array({titled_row("t1", "a"), titled_row("t2", "b")})));
    REQUIRE(u.kind == update_kind::snapshot);
    return s;
}

}  // namespace

TEST_CASE("session: fresh subscribe sends no since and takes the snapshot", "[session]") {
    client_session s;
    CHECK(s.subscribe({"TaskUpdates", json{{"board", "b1"}}, std::nullopt}).empty());  // not connected yet
    auto out = s.on_connected();
    REQUIRE(out.size() == 1);
    json f = frame(out[0]);
    CHECK(f["type"] == "subscribe");
    CHECK(f["subscription"] == "TaskUpdates");
    CHECK(f["filter"] == json{{"board", "b1"}});
    CHECK(f["id"] == "sub:TaskUpdates");
    CHECK_FALSE(f.contains("since"));
    CHECK(s.find("TaskUpdates")->phase == subscription_phase::subscribing);

    auto u = s.handle(subscribed("TaskUpdates", "e1", 57, false, json::array({titled_row("t1", "a"), titled_row("t2", "b")})));
    CHECK(u.kind == update_kind::snapshot);
    CHECK(u.rows == 2);
    CHECK_FALSE(u.resync);
    const auto* st = s.find("TaskUpdates");
    CHECK(st->phase == subscription_phase::live);
    CHECK(st->position == stream_position{"e1", 57});
    CHECK(st->rows.size() == 2);
    CHECK(st->rows.at("t2")["title"] == "b");
    CHECK(s.counters().snapshots == 1);
    CHECK(s.counters().resynced == 0);
}

TEST_CASE("session: subscribing while connected sends at once, --since is used on first connect", "[session]") {
    client_session s;
    s.on_connected();
    auto out = s.subscribe({"AllTasks", json::object(), stream_position{"9f2c", 41}});
    REQUIRE(out.size() == 1);
    json f = frame(out[0]);
    CHECK(f["since"] == json{{"epoch", "9f2c"}, {"seq", 41}});
    auto u = s.handle(subscribed("AllTasks", "9f2c", 43, true));
    CHECK(u.kind == update_kind::resumed);
    CHECK(u.replayed == 2);
}

TEST_CASE("session: events in order, duplicates and gaps (table)", "[session]") {
    struct step {
        std::uint64_t seq;
        update_kind kind;
        std::uint64_t position_after;
    };
    struct table_case {
        const char* name;
        std::vector<step> steps;
    };
    const table_case cases[] = {
        {"in order", {{11, update_kind::event, 11}, {12, update_kind::event, 12}, {13, update_kind::event, 13}}},
        {"duplicate of the last", {{11, update_kind::event, 11}, {11, update_kind::duplicate, 11}}},
        {"older than the last", {{11, update_kind::event, 11}, {12, update_kind::event, 12}, {9, update_kind::duplicate, 12}}},
        {"replay overlap", {{10, update_kind::duplicate, 10}, {11, update_kind::event, 11}}},
        {"gap", {{11, update_kind::event, 11}, {14, update_kind::gap, 11}}},
        {"gap then stragglers are discarded",
         {{13, update_kind::gap, 10}, {14, update_kind::discarded, 10}, {15, update_kind::discarded, 10}}},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        client_session s = live_session();
        for (const auto& st : c.steps) {
            INFO("seq " << st.seq);
            // u.event points into the message handled: keep it alive while u is read.
            const auto msg = event("TaskUpdates", st.seq, titled_row("t" + std::to_string(st.seq), "x"));
            auto u = s.handle(msg);
            CHECK(u.kind == st.kind);
            CHECK(s.find("TaskUpdates")->position->seq == st.position_after);
            if (st.kind == update_kind::event) {
                REQUIRE(u.event != nullptr);
                CHECK(u.event->position.seq == st.seq);
            } else {
                CHECK(u.event == nullptr);
            }
        }
    }
}

TEST_CASE("session: a gap resubscribes with since the last position and the replay fills it", "[session]") {
    client_session s = live_session();
    REQUIRE(s.handle(event("TaskUpdates", 11, titled_row("t3", "c"))).kind == update_kind::event);
    auto gap = s.handle(event("TaskUpdates", 14, titled_row("t6", "f")));
    REQUIRE(gap.kind == update_kind::gap);
    CHECK(gap.expected == stream_position{"e1", 11});
    CHECK(gap.received == stream_position{"e1", 14});
    REQUIRE(gap.to_send.size() == 2);
    json unsub = frame(gap.to_send[0]);
    json resub = frame(gap.to_send[1]);
    CHECK(unsub["type"] == "unsubscribe");
    CHECK(unsub["subscription"] == "TaskUpdates");
    CHECK(resub["type"] == "subscribe");
    CHECK(resub["filter"] == json{{"board", "b1"}});
    CHECK(resub["since"] == json{{"epoch", "e1"}, {"seq", 11}});

    // Still in flight from the old subscription; then the server confirms our unsubscribe.
    CHECK(s.handle(event("TaskUpdates", 15, titled_row("t7", "g"))).kind == update_kind::discarded);
    CHECK(s.handle(server_message{json("unsub:TaskUpdates"), unsubscribed_msg{"TaskUpdates"}}).kind ==
          update_kind::other);

    auto res = s.handle(subscribed("TaskUpdates", "e1", 15, true));
    CHECK(res.kind == update_kind::resumed);
    CHECK(res.replayed == 4);
    for (std::uint64_t seq = 12; seq <= 15; ++seq)
        CHECK(s.handle(event("TaskUpdates", seq, titled_row("t" + std::to_string(seq), "r"))).kind == update_kind::event);
    const auto& c = s.counters();
    CHECK(c.gaps == 1);
    CHECK(c.resumed == 1);
    CHECK(c.discarded_while_resuming == 1);
    CHECK(c.events_delivered == 5);
    CHECK(c.duplicates_dropped == 0);
    CHECK(s.find("TaskUpdates")->rows.size() == 2 + 5);
}

TEST_CASE("session: reconnect resumes with since, recovered:false replaces the state", "[session]") {
    client_session s = live_session();
    REQUIRE(s.handle(event("TaskUpdates", 11, titled_row("t3", "c"))).kind == update_kind::event);
    s.on_disconnected();
    CHECK(s.find("TaskUpdates")->phase == subscription_phase::idle);
    auto out = s.on_connected();
    REQUIRE(out.size() == 1);
    CHECK(frame(out[0])["since"] == json{{"epoch", "e1"}, {"seq", 11}});
    CHECK(s.counters().reconnects == 1);

    SECTION("resumed") {
        auto u = s.handle(subscribed("TaskUpdates", "e1", 11, true));
        CHECK(u.kind == update_kind::resumed);
        CHECK(u.replayed == 0);
        CHECK(s.find("TaskUpdates")->rows.size() == 3);  // kept
        CHECK(s.counters().resumed == 1);
    }
    SECTION("out of the window: fresh snapshot replaces rows") {
        auto u = s.handle(subscribed("TaskUpdates", "e1", 500, false, json::array({titled_row("t9", "z")})));
        CHECK(u.kind == update_kind::snapshot);
        CHECK(u.resync);
        const auto* st = s.find("TaskUpdates");
        REQUIRE(st->rows.size() == 1);
        CHECK(st->rows.count("t9") == 1);
        CHECK(st->position == stream_position{"e1", 500});
        CHECK(s.counters().resynced == 1);
        CHECK(s.handle(event("TaskUpdates", 501, titled_row("t10", "y"))).kind == update_kind::event);
    }
}

TEST_CASE("session: an epoch change resyncs from a fresh snapshot", "[session]") {
    client_session s = live_session();
    auto u = s.handle(event("TaskUpdates", 1, titled_row("t1", "new"), operation::update, "e2"));
    REQUIRE(u.kind == update_kind::epoch_changed);
    REQUIRE(u.to_send.size() == 2);
    CHECK(frame(u.to_send[0])["type"] == "unsubscribe");
    json resub = frame(u.to_send[1]);
    CHECK(resub["type"] == "subscribe");
    CHECK_FALSE(resub.contains("since"));
    auto snap = s.handle(subscribed("TaskUpdates", "e2", 3, false, json::array({titled_row("t5", "q")})));
    CHECK(snap.kind == update_kind::snapshot);
    CHECK(snap.resync);
    CHECK(s.find("TaskUpdates")->rows.size() == 1);
    CHECK(s.counters().epoch_changes == 1);
    CHECK(s.counters().resynced == 1);
    // A recovered:true that contradicts our epoch also restarts from a snapshot.
    s.on_disconnected();
    s.on_connected();
    auto odd = s.handle(subscribed("TaskUpdates", "e3", 9, true));
    CHECK(odd.kind == update_kind::epoch_changed);
    CHECK_FALSE(frame(odd.to_send[1]).contains("since"));
}

TEST_CASE("session: rows follow insert, update (merge) and delete", "[session]") {
    struct op_case {
        operation op;
        json data;
        std::size_t rows_after;
        const char* id;
        json expect;  // null: the row is gone
    };
    const op_case cases[] = {
        {operation::insert, titled_row("t3", "c"), 3, "t3", titled_row("t3", "c")},
        {operation::update, json{{"id", "t1"}, {"status", "doing"}}, 2, "t1",
         json{{"id", "t1"}, {"title", "a"}, {"status", "doing"}}},
        {operation::update, titled_row("t9", "new"), 3, "t9", titled_row("t9", "new")},  // update of an unknown row inserts
        {operation::remove, json{{"id", "t2"}}, 1, "t2", json()},
        {operation::remove, json{{"id", "nope"}}, 2, "nope", json()},
    };
    for (const auto& c : cases) {
        INFO(c.data.dump());
        client_session s = live_session();
        REQUIRE(s.handle(event("TaskUpdates", 11, c.data, c.op)).kind == update_kind::event);
        const auto& rows = s.find("TaskUpdates")->rows;
        CHECK(rows.size() == c.rows_after);
        if (c.expect.is_null())
            CHECK(rows.count(c.id) == 0);
        else
            CHECK(rows.at(c.id) == c.expect);
    }
    client_session_options no_rows;
    no_rows.track_rows = false;
    client_session s = live_session(no_rows);
    CHECK(s.find("TaskUpdates")->rows.empty());
}

TEST_CASE("session: backoff delays grow with full jitter and reset on success", "[session][backoff]") {
    client_session_options opts;
    opts.backoff = {100ms, 1000ms};
    opts.seed = 42;
    client_session s(opts);
    s.subscribe({"TaskUpdates", json::object(), std::nullopt});
    const std::chrono::milliseconds windows[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms, 1000ms};
    int attempt = 0;
    for (auto window : windows) {
        auto d = s.on_disconnected();
        ++attempt;
        CHECK(d >= 0ms);
        CHECK(d <= window);
        CHECK(s.attempt() == attempt);
        s.on_connected();  // connected, but no `subscribed` yet: still failing
    }
    s.handle(subscribed("TaskUpdates", "e1", 1, false));
    CHECK(s.attempt() == 0);
    CHECK(s.on_disconnected() <= 100ms);

    // The same seed gives the same schedule; delays are not all equal (jitter).
    client_session a(opts), b(opts);
    std::vector<long> da, db;
    for (int i = 0; i < 8; ++i) {
        da.push_back(static_cast<long>(a.on_disconnected().count()));
        db.push_back(static_cast<long>(b.on_disconnected().count()));
    }
    CHECK(da == db);
}

TEST_CASE("session: errors are attributed, permanent refusals stop resubscribing", "[session]") {
    client_session s;
    s.subscribe({"Nope", json::object(), std::nullopt});
    s.subscribe({"TaskUpdates", json::object(), std::nullopt});
    REQUIRE(s.on_connected().size() == 2);

    auto u = s.handle(error(error_code::unknown_subscription, json("sub:Nope")));
    CHECK(u.kind == update_kind::error);
    CHECK(u.subscription == "Nope");
    CHECK(u.fatal);
    CHECK(s.find("Nope")->phase == subscription_phase::refused);

    auto r = s.handle(error(error_code::rate_limited, json("sub:TaskUpdates")));
    CHECK(r.subscription == "TaskUpdates");
    CHECK_FALSE(r.fatal);

    auto un = s.handle(error(error_code::unknown_subscription, json("unsub:TaskUpdates")));
    CHECK(un.kind == update_kind::error);
    CHECK_FALSE(un.fatal);
    CHECK(s.find("TaskUpdates")->phase == subscription_phase::subscribing);

    CHECK(s.handle(error(error_code::auth_required)).fatal);
    CHECK_FALSE(s.handle(error(error_code::rate_limited)).fatal);
    CHECK(s.counters().errors == 5);

    s.on_disconnected();
    auto out = s.on_connected();
    REQUIRE(out.size() == 1);  // Nope is not asked again
    CHECK(frame(out[0])["subscription"] == "TaskUpdates");
}

TEST_CASE("session: unsubscribe, foreign messages, undecodable text", "[session]") {
    client_session s = live_session();
    CHECK(s.handle(event("Other", 1, titled_row("x", "y"))).kind == update_kind::other);
    CHECK(s.handle(server_message{json(), pong_msg{5}}).kind == update_kind::other);
    auto out = s.unsubscribe("TaskUpdates");
    REQUIRE(out.size() == 1);
    CHECK(frame(out[0])["type"] == "unsubscribe");
    CHECK(s.find("TaskUpdates") == nullptr);
    CHECK(s.handle(server_message{json(), unsubscribed_msg{"TaskUpdates"}}).kind == update_kind::unsubscribed);
    CHECK(s.handle(event("TaskUpdates", 11, titled_row("t3", "c"))).kind == update_kind::other);

    server_message storage;
    auto bad = s.handle_text("{not json", storage);
    CHECK(bad.kind == update_kind::error);
    REQUIRE(bad.error);
    CHECK(bad.error->code == error_code::bad_request);
    auto good = s.handle_text(R"({"type":"pong","timestamp":1})", storage);
    CHECK(good.kind == update_kind::other);
    // A later server's new message type is ignored, not an error (docs/protocol.md, "Versioning");
    // a known type that is malformed still is one.
    auto newer = s.handle_text(R"({"type":"typing","user":"u1"})", storage);
    CHECK(newer.kind == update_kind::other);
    CHECK_FALSE(newer.error);
    CHECK(s.counters().ignored == 1);
    auto malformed = s.handle_text(R"({"type":"event","subscription":"X"})", storage);
    CHECK(malformed.kind == update_kind::error);
}

TEST_CASE("session: a batched window is handled item by item, and a gap inside it resumes from the last item", "[session][batch]") {
    client_session s;
    subscription_request r{"Cursors", json::object(), std::nullopt};
    r.throttle_ms = 100;
    r.batch = true;
    s.subscribe(r);
    auto out = s.on_connected();
    REQUIRE(out.size() == 1);
    CHECK(frame(out[0])["throttle"] == "100ms");
    CHECK(frame(out[0])["batch"] == true);
    REQUIRE(s.handle(subscribed("Cursors", "g1", 2, false, json::array({titled_row("c1", "a")}))).kind == update_kind::snapshot);

    server_message storage;
    auto ups = s.handle_text_all(R"({"type":"events","subscription":"Cursors","epoch":"g1","events":[)"
                                 R"({"operation":"update","data":{"id":"c1","title":"b"},"seq":3,"ts":1},)"
                                 R"({"operation":"insert","data":{"id":"c2","title":"x"},"seq":4,"ts":2}]})",
                                 storage);
    REQUIRE(ups.size() == 2);
    CHECK(ups[0].kind == update_kind::event);
    CHECK(ups[0].event->position.seq == 3);
    CHECK(ups[1].event->data["id"] == "c2");
    CHECK(s.find("Cursors")->rows.at("c1")["title"] == "b");
    CHECK(s.counters().batches == 1);
    CHECK(s.counters().events_delivered == 2);

    // 5 applies, 7 is a gap (resubscribe from 5, batched again), 8 arrives while resuming.
    ups = s.handle_text_all(R"({"type":"events","subscription":"Cursors","epoch":"g1","events":[)"
                            R"({"operation":"delete","data":{"id":"c2"},"seq":5,"ts":3},)"
                            R"({"operation":"update","data":{"id":"c1","title":"c"},"seq":7,"ts":4},)"
                            R"({"operation":"update","data":{"id":"c1","title":"d"},"seq":8,"ts":5}]})",
                            storage);
    REQUIRE(ups.size() == 3);
    CHECK(ups[0].kind == update_kind::event);
    CHECK(ups[1].kind == update_kind::gap);
    CHECK(ups[2].kind == update_kind::discarded);
    REQUIRE(ups[1].to_send.size() == 2);
    json resub = frame(ups[1].to_send[1]);
    CHECK(resub["since"] == json{{"epoch", "g1"}, {"seq", 5}});
    CHECK(resub["batch"] == true);
    // handle() on an events frame returns the last item's update (the others are applied too).
    CHECK(s.handle(subscribed("Cursors", "g1", 8, true)).kind == update_kind::resumed);
    auto last = s.handle_text(R"({"type":"events","subscription":"Cursors","epoch":"g1","events":[)"
                              R"({"operation":"update","data":{"id":"c1","title":"e"},"seq":6,"ts":6},)"
                              R"({"operation":"update","data":{"id":"c1","title":"f"},"seq":7,"ts":7}]})",
                              storage);
    CHECK(last.kind == update_kind::event);
    CHECK(s.find("Cursors")->position->seq == 7);
}

TEST_CASE("session: a spec reload: spec_changed, an unasked subscribed resyncs, an unasked unsubscribed ends", "[session][reload]") {
    client_session s = live_session();
    s.subscribe({"ArchivedTasks", json::object(), std::nullopt});
    REQUIRE(s.handle(subscribed("ArchivedTasks", "a1", 3, false)).kind == update_kind::snapshot);
    server_message storage;
    auto u = s.handle_text(R"({"type":"spec_changed","version":"v2","added":[],"changed":["TaskUpdates"],"removed":["ArchivedTasks"]})",
                           storage);
    REQUIRE(u.kind == update_kind::spec_changed);
    REQUIRE(u.spec);
    CHECK(u.spec->version == "v2");
    CHECK(u.spec->changed == std::vector<std::string>{"TaskUpdates"});
    CHECK(s.counters().spec_changes == 1);
    CHECK(s.counters().errors == 0);

    u = s.handle_text(R"({"type":"subscribed","subscription":"TaskUpdates","epoch":"e2","seq":0,"recovered":false,)"
                      R"("reason":"spec_changed","initial":[{"id":"t9","title":"new"}]})",
                      storage);
    CHECK(u.kind == update_kind::snapshot);
    CHECK(u.reason == "spec_changed");
    CHECK(u.resync);
    CHECK(u.rows == 1);
    CHECK(s.find("TaskUpdates")->position == stream_position{"e2", 0});
    CHECK(s.find("TaskUpdates")->rows.count("t9") == 1);
    CHECK(s.find("TaskUpdates")->rows.count("t1") == 0);
    CHECK(s.handle(event("TaskUpdates", 1, titled_row("t10", "x"), operation::insert, "e2")).kind == update_kind::event);

    u = s.handle_text(R"({"type":"unsubscribed","subscription":"ArchivedTasks","reason":"spec_changed"})", storage);
    CHECK(u.kind == update_kind::ended);
    CHECK(u.reason == "spec_changed");
    CHECK(s.find("ArchivedTasks")->phase == subscription_phase::ended);
    CHECK(s.counters().ended == 1);
    // After a reconnect only TaskUpdates is asked for again, from its new epoch.
    s.on_disconnected();
    auto out = s.on_connected();
    REQUIRE(out.size() == 1);
    CHECK(frame(out[0])["subscription"] == "TaskUpdates");
    CHECK(frame(out[0])["since"] == json{{"epoch", "e2"}, {"seq", 1}});
    // Our own unsubscribe's reply (no reason) is still bookkeeping, not an end.
    CHECK(s.handle_text(R"({"type":"unsubscribed","subscription":"TaskUpdates"})", storage).kind == update_kind::other);
}
