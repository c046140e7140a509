// The hub with a shared store, driven without Redis: a fake change bus records what the hub asks
// (commits, stream opens) and the test answers as the broker would.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/stream_key.hpp"
#include "server/hub.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt;
using namespace rt::server;
using json = nlohmann::json;

namespace {

struct hubs_sink : delivery_sink {
    std::vector<std::pair<conn_context*, frame_ptr>> out;
    send_status send_to(conn_context& c, const frame_ptr& f) override {
        out.push_back({&c, f});
        return send_status::sent;
    }
    void fan_out(const frame_ptr& f, const std::vector<conn_context*>& subs) override {
        for (auto* c : subs) out.push_back({c, f});
    }
    std::vector<json> to(const conn_context& c) const {
        std::vector<json> v;
        for (const auto& [who, f] : out)
            if (who == &c) v.push_back(json::parse(*f));
        return v;
    }
};

struct hubs_bus : change_bus {
    std::vector<commit_request> commits;
    std::vector<std::function<void(commit_outcome)>> answers;
    std::vector<std::pair<std::string, std::string>> opens;  // stream key, keyset field
    void commit(commit_request req, std::function<void(commit_outcome)> done) override {
        commits.push_back(std::move(req));
        answers.push_back(std::move(done));
    }
    void open_stream(const std::string& key, const std::string& field) override { opens.push_back({key, field}); }
    void presence_set(const std::string&, std::string) override {}
    std::vector<std::function<void(bool)>> syncs;
    void sync(std::function<void(bool)> done) override { syncs.push_back(std::move(done)); }
    bool available() const override { return true; }
};

std::unique_ptr<store> hubs_memory_store(const spec::app& app) {
    auto s = store::open(":memory:", app);
    REQUIRE(s.ok());
    return std::move(s.value());
}

struct hubs_world {
    const spec::app& app = test::helpdesk_app();
    std::unique_ptr<store> db = hubs_memory_store(app);
    hubs_sink sink;
    hubs_bus bus;
    metrics m;
    hub h{app, *db, hub_config{}, m, sink};
    rights admin = rights::allow_all("admin");
    std::vector<std::shared_ptr<conn_context>> conns;

    hubs_world() { h.attach_bus(bus); }
    ~hubs_world() {
        for (auto& c : conns) h.disconnect(*c);
    }
    conn_context& connect() {
        conns.push_back(std::make_shared<conn_context>(conns.size() + 1, admin, "", proto::token_bucket(1e9, 1e9),
                                                       proto::output_limit(proto::output_limit_config{})));
        conns.back()->self = conns.back();
        return *conns.back();
    }
};

std::string hubs_key(const char* sub, const json& filter) { return proto::stream_key(sub, filter); }

// A change message as the commit script would publish it.
change_message hubs_change(std::uint64_t g, const std::string& id, const json& before, const json& after,
                           const std::vector<change_slot>& slots, const std::string& assigned) {
    std::string body = encode_change_body("Ticket", id, before.is_null() ? "" : before.dump(), after.is_null() ? "" : after.dump(),
                                          1000 + static_cast<std::int64_t>(g), slots);
    auto m = decode_change_message(std::to_string(g) + "|ep|" + assigned + "|" + body);
    REQUIRE(m.ok());
    return std::move(m.value());
}

}  // namespace

TEST_CASE("shared hub: a change's event slots come from the key sets in use and the row before and after", "[hub-shared]") {
    hubs_world w;
    json row = {{"id", "t1"}, {"subject", "s"}, {"team", "billing"}, {"status", "new"}};
    w.h.load_rows({{"Ticket", {{"t1", row}}}}, {{"Ticket", {{"t1", 7}}}});
    w.h.set_keysets("3", {keyset_field("TeamQueue", {"team"}), keyset_field("TicketAudit", {}),
                          keyset_field("TicketDetail", {"id"})},
                  {});
    bool answered = false;
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t1"}, {"team", "sales"}}},
                       [&](result<json, proto::protocol_error> r) {
                           answered = true;
                           REQUIRE(r.ok());
                           CHECK(r.value()["team"] == "sales");
                       });
    REQUIRE(w.bus.commits.size() == 1);
    const commit_request& req = w.bus.commits[0];
    CHECK(req.expected_version == 7);  // the row's G as loaded: the compare-and-set
    CHECK(req.keysets_version == "3");
    CHECK(json::parse(req.before_json)["team"] == "billing");
    CHECK(json::parse(req.after_json)["team"] == "sales");
    std::vector<std::pair<std::string, proto::operation>> slots;
    for (const auto& s : req.slots) slots.push_back({s.stream_key, s.op});
    CHECK(slots == std::vector<std::pair<std::string, proto::operation>>{
                       {hubs_key("TeamQueue", {{"team", "billing"}}), proto::operation::remove},
                       {hubs_key("TeamQueue", {{"team", "sales"}}), proto::operation::insert},
                       {hubs_key("TicketDetail", {{"id", "t1"}}), proto::operation::update},
                       {hubs_key("TicketAudit", json::object()), proto::operation::update}});
    CHECK_FALSE(answered);  // not before the bus says so (after this node applied the change)
    w.bus.answers[0]({commit_status::ok, {}});
    CHECK(answered);
    CHECK(w.m.mutations == 1);
}

TEST_CASE("shared hub: a conflict computes the change again, UNAVAILABLE is passed on", "[hub-shared]") {
    hubs_world w;
    w.h.set_keysets("0", {}, {});
    std::vector<std::string> replies;
    auto done = [&](result<json, proto::protocol_error> r) {
        replies.push_back(r ? std::string("ok") : std::string(proto::to_wire(r.error().code)));
    };
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::insert, {{"id", "t2"}, {"subject", "s"}}}, done);
    REQUIRE(w.bus.commits.size() == 1);
    CHECK(w.bus.commits[0].expected_version == 0);
    // Another node inserted t2 first: this node applies that change, then the conflict comes back.
    w.h.apply_change(hubs_change(1, "t2", nullptr, {{"id", "t2"}, {"subject", "theirs"}}, {}, ""));
    w.bus.answers[0]({commit_status::conflict, {}});
    REQUIRE(replies == std::vector<std::string>{"BAD_REQUEST"});  // computed again: the id exists now
    CHECK(w.bus.commits.size() == 1);
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t2"}, {"subject", "x"}}}, done);
    REQUIRE(w.bus.commits.size() == 2);
    CHECK(w.bus.commits[1].expected_version == 1);
    w.bus.answers[1]({commit_status::unavailable, "Redis (--broker) is not reachable"});
    CHECK(replies.back() == "UNAVAILABLE");
}

TEST_CASE("shared hub: a subscribe waits for its stream, then events follow in order and a hole restarts the history",
          "[hub-shared]") {
    hubs_world w;
    conn_context& c = w.connect();
    proto::subscribe_msg sm;
    sm.subscription = "TeamQueue";
    sm.filter = {{"team", "billing"}};
    REQUIRE(w.h.subscribe(c, "s1", sm));
    const std::string key = hubs_key("TeamQueue", {{"team", "billing"}});
    REQUIRE(w.bus.opens.size() == 1);
    CHECK(w.bus.opens[0].first == key);
    CHECK(w.bus.opens[0].second == keyset_field("TeamQueue", {"team"}));
    CHECK(w.sink.out.empty());  // nothing until the stream is open

    json r1 = {{"id", "t1"}, {"subject", "a"}, {"team", "billing"}, {"status", "new"}};
    hub::history_item first{1, proto::operation::insert, r1.dump(), 1};
    w.h.stream_opened(key, "ep", 1, {first}, 1);
    auto got = w.sink.to(c);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["type"] == "subscribed");
    CHECK(got[0]["epoch"] == "ep");
    CHECK(got[0]["seq"] == 1);

    std::vector<change_slot> slot{{key, proto::operation::insert}};
    json r2 = {{"id", "t2"}, {"subject", "b"}, {"team", "billing"}, {"status", "new"}};
    w.h.apply_change(hubs_change(2, "t2", nullptr, r2, slot, "ep:2"));
    w.h.apply_change(hubs_change(3, "t2", nullptr, r2, slot, "ep:2"));  // the same event again: skipped
    json r3 = {{"id", "t3"}, {"subject", "c"}, {"team", "billing"}, {"status", "new"}};
    w.h.apply_change(hubs_change(4, "t3", nullptr, r3, slot, "ep:5"));  // seqs 3 and 4 never came
    got = w.sink.to(c);
    REQUIRE(got.size() == 3);
    CHECK(got[1]["seq"] == 2);
    CHECK(got[2]["seq"] == 5);  // delivered: the client sees the jump and resumes

    // The hole is not replayable: a resume from seq 2 gets a snapshot.
    conn_context& late = w.connect();
    sm.since = proto::stream_position{"ep", 2};
    REQUIRE(w.h.subscribe(late, "s2", sm));
    auto l = w.sink.to(late);
    REQUIRE(l.size() == 1);
    CHECK(l[0]["recovered"] == false);
    CHECK(l[0]["initial"].size() == 2);  // t2 and t3 (t1 was never applied to this replica)
}

TEST_CASE("shared hub: an update of a row this node has not seen yet catches up with Redis once before NOT_FOUND", "[hub-shared]") {
    hubs_world w;
    w.h.set_keysets("0", {}, {});
    std::vector<std::string> replies;
    auto done = [&](result<json, proto::protocol_error> r) {
        replies.push_back(r ? std::string("ok") : std::string(proto::to_wire(r.error().code)));
    };
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "n1"}, {"subject", "x"}}}, done);
    REQUIRE(w.bus.syncs.size() == 1);  // not refused yet: the insert may be on its way from another node
    CHECK(w.bus.commits.empty());
    w.h.apply_change(hubs_change(1, "n1", nullptr, {{"id", "n1"}, {"subject", "made elsewhere"}}, {}, ""));
    w.bus.syncs[0](true);
    REQUIRE(w.bus.commits.size() == 1);
    CHECK(w.bus.commits[0].expected_version == 1);
    // A row that is not there after catching up: NOT_FOUND, after one sync only.
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::remove, {{"id", "n9"}}}, done);
    REQUIRE(w.bus.syncs.size() == 2);
    w.bus.syncs[1](true);
    CHECK(replies == std::vector<std::string>{"NOT_FOUND"});
    CHECK(w.bus.syncs.size() == 2);
}

TEST_CASE("shared hub: registered set and pattern streams get the slots of the rows they match, and open by their key",
          "[hub-shared][filter]") {
    hubs_world w;
    json row = {{"id", "t1"}, {"subject", "s"}, {"team", "billing"}, {"status", "new"}};
    w.h.load_rows({{"Ticket", {{"t1", row}}}}, {{"Ticket", {{"t1", 7}}}});
    const std::string bill = hubs_key("TeamQueue", {{"team", "bill*"}});
    const std::string sal = hubs_key("TeamQueue", {{"team", "sal*"}});
    const std::string other = hubs_key("TeamQueue", {{"team", "ops*"}});
    const std::string states = hubs_key("TeamQueue", {{"status", {"new", "pending"}}});
    // Another spec's streams (an unknown subscription, an equality filter) are skipped.
    w.h.set_keysets("5", {}, {bill, sal, other, states, hubs_key("Nope", {{"x", "y*"}}), hubs_key("TeamQueue", {{"team", "b"}})});
    auto slots_of = [&](std::size_t i) {
        std::set<std::pair<std::string, proto::operation>> out;
        for (const auto& s : w.bus.commits.at(i).slots) out.insert({s.stream_key, s.op});
        return out;
    };
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t1"}, {"team", "sales"}}},
                       [](result<json, proto::protocol_error> r) { CHECK(r.ok()); });
    REQUIRE(w.bus.commits.size() == 1);
    CHECK(w.bus.commits[0].keysets_version == "5");
    CHECK(slots_of(0) == std::set<std::pair<std::string, proto::operation>>{{bill, proto::operation::remove},
                                                                           {sal, proto::operation::insert},
                                                                           {states, proto::operation::update}});
    // The registry moved (the "bill*" stream expired): its slot is gone from the next computation.
    auto first = w.bus.answers[0];  // a copy: the retry adds to answers while it runs
    first({commit_status::registry, {}});
    w.h.set_keysets("6", {}, {sal, states});
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t1"}, {"team", "sales"}}},
                       [](result<json, proto::protocol_error> r) { CHECK(r.ok()); });
    REQUIRE(w.bus.commits.size() == 3);  // the retry of the first, then the second
    CHECK(w.bus.commits[2].keysets_version == "6");
    CHECK(slots_of(2) == std::set<std::pair<std::string, proto::operation>>{{sal, proto::operation::insert},
                                                                           {states, proto::operation::update}});

    // A set or pattern stream is registered by its key (an empty key-set field), an equality one by its key set.
    conn_context& c = w.connect();
    proto::subscribe_msg sm;
    sm.subscription = "TeamQueue";
    sm.filter = {{"status", {"pending", "new"}}};
    REQUIRE(w.h.subscribe(c, "s1", sm));
    sm.subscription = "Triage";
    sm.filter = {{"team", "billing"}};
    REQUIRE(w.h.subscribe(c, "s2", sm));
    REQUIRE(w.bus.opens.size() == 2);
    CHECK(w.bus.opens[0] == std::make_pair(states, std::string()));
    CHECK(w.bus.opens[1] == std::make_pair(hubs_key("Triage", {{"team", "billing"}}), keyset_field("Triage", {"team"})));
    CHECK(pattern_stream_key(states));
    CHECK_FALSE(pattern_stream_key(hubs_key("Triage", {{"team", "billing"}})));
}

TEST_CASE("shared hub: a change computed again while the registry keeps moving is given up after its own bound", "[hub-shared][filter]") {
    hubs_world w;
    w.h.set_keysets("0", {}, {});
    std::vector<std::string> replies;
    auto done = [&](result<json, proto::protocol_error> r) {
        replies.push_back(r ? std::string("ok") : r.error().message);
    };
    // More registry moves than conflicts are allowed (16), then it goes through.
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::insert, {{"id", "r1"}, {"subject", "s"}}}, done);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(w.bus.commits.size() == static_cast<std::size_t>(i + 1));
        auto answer = w.bus.answers[i];  // a copy: the retry adds to answers while it runs
        answer({commit_status::registry, {}});
    }
    REQUIRE(w.bus.commits.size() == 21);
    w.bus.answers[20]({commit_status::ok, {}});
    REQUIRE(replies == std::vector<std::string>{"ok"});
    // A registry that never settles: UNAVAILABLE, naming why.
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::insert, {{"id", "r2"}, {"subject", "s"}}}, done);
    for (std::size_t i = 21; i < w.bus.commits.size() && i < 200; ++i) {
        auto answer = w.bus.answers[i];
        answer({commit_status::registry, {}});
    }
    CHECK(w.bus.commits.size() == 21 + 64);
    REQUIRE(replies.size() == 2);
    CHECK(replies[1].find("the streams in use changed 64 times") != std::string::npos);
}

TEST_CASE("shared hub: the registry's logged changes are applied once, in order, from the version the hub holds",
          "[hub-shared][filter]") {
    hubs_world w;
    json row = {{"id", "t1"}, {"subject", "s"}, {"team", "billing"}, {"status", "new"}};
    w.h.load_rows({{"Ticket", {{"t1", row}}}}, {{"Ticket", {{"t1", 7}}}});
    const std::string bill = hubs_key("TeamQueue", {{"team", "bill*"}});
    const std::string states = hubs_key("TeamQueue", {{"status", {"new", "open"}}});
    w.h.set_keysets("4", {}, {bill});
    // Versions 5..7: a key set, a pattern stream added, the first one removed.
    w.h.update_registry("7", {{5, 'k', keyset_field("TicketDetail", {"id"})}, {6, '+', states}, {7, '-', bill}});
    // Stale (from before 7) and gapped (after 8) logs change nothing.
    w.h.update_registry("6", {{5, 'k', keyset_field("TeamQueue", {"team"})}, {6, '+', bill}});
    w.h.update_registry("10", {{9, '+', bill}, {10, 'k', keyset_field("TeamQueue", {"team"})}});
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t1"}, {"subject", "x"}}},
                       [](result<json, proto::protocol_error>) {});
    REQUIRE(w.bus.commits.size() == 1);
    CHECK(w.bus.commits[0].keysets_version == "7");
    std::set<std::string> keys;
    for (const auto& s : w.bus.commits[0].slots) keys.insert(s.stream_key);
    CHECK(keys == std::set<std::string>{hubs_key("TicketDetail", {{"id", "t1"}}), states});
    // An overlapping log: what the hub has is skipped, the rest applied.
    w.h.update_registry("8", {{7, '-', bill}, {8, '+', bill}});
    w.h.publish_shared(w.admin, proto::publish_msg{"Ticket", proto::operation::update, {{"id", "t1"}, {"subject", "y"}}},
                       [](result<json, proto::protocol_error>) {});
    REQUIRE(w.bus.commits.size() == 2);
    CHECK(w.bus.commits[1].keysets_version == "8");
    keys.clear();
    for (const auto& s : w.bus.commits[1].slots) keys.insert(s.stream_key);
    CHECK(keys == std::set<std::string>{hubs_key("TicketDetail", {{"id", "t1"}}), states, bill});
}
