// The hub driven without a transport: a recording delivery sink stands for the connections, an
// in-memory store for the rows, and a test commit seam for the store's commit.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/hub.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt;
using namespace rt::server;
using json = nlohmann::json;

namespace {

// Every frame the hub gives away, one entry per connection, in order.
struct hubt_sink : delivery_sink {
    struct delivery {
        conn_context* to;
        frame_ptr frame;
        bool fanned_out;  // through fan_out (else send_to)
    };
    std::vector<delivery> out;

    send_status send_to(conn_context& c, const frame_ptr& f) override {
        out.push_back({&c, f, false});
        return send_status::sent;
    }
    void fan_out(const frame_ptr& f, const std::vector<conn_context*>& subscribers) override {
        for (conn_context* c : subscribers) out.push_back({c, f, true});
    }
    // The events fanned out to `c`, decoded, in order.
    std::vector<proto::event_msg> events_to(const conn_context& c) const {
        std::vector<proto::event_msg> v;
        for (const auto& d : out) {
            if (d.to != &c || !d.fanned_out) continue;
            auto m = proto::decode_server(*d.frame);
            REQUIRE(m.ok());
            REQUIRE(std::holds_alternative<proto::event_msg>(m->body));
            v.push_back(std::get<proto::event_msg>(m->body));
        }
        return v;
    }
};

// Commits to the store unless told to fail; remembers what it was given.
struct hubt_commit : change_commit {
    explicit hubt_commit(store& db) : real(db, 100) {}
    result<void, std::string> commit(const change_record& c) override {
        ++calls;
        last_entity = c.entity;
        last_stream_keys.clear();
        for (const auto& e : c.events) last_stream_keys.push_back(e.stream_key);
        if (fail) return make_unexpected(std::string("disk full (test)"));
        return real.commit(c);
    }
    store_commit real;
    bool fail = false;
    int calls = 0;
    std::string last_entity;
    std::vector<std::string> last_stream_keys;
};

std::unique_ptr<store> hubt_memory_store(const spec::app& app) {
    auto s = store::open(":memory:", app);
    REQUIRE(s.ok());
    return std::move(s.value());
}

struct hubt_world {
    const spec::app& app = test::helpdesk_app();
    std::unique_ptr<store> db = hubt_memory_store(app);
    hubt_sink sink;
    hubt_commit commit{*db};
    metrics m;
    hub h{app, *db, hub_config{}, m, sink, &commit};
    rights admin = rights::allow_all("admin");
    std::vector<std::unique_ptr<conn_context>> conns;

    ~hubt_world() {
        for (auto& c : conns) h.disconnect(*c);
    }
    conn_context& connect() {
        conns.push_back(std::make_unique<conn_context>(conns.size() + 1, admin, "", proto::token_bucket(1e9, 1e9),
                                                       proto::output_limit(proto::output_limit_config{})));
        return *conns.back();
    }
    conn_context& subscribed(const char* sub, const json& filter, const std::string& sid = "") {
        conn_context& c = connect();
        proto::subscribe_msg sm;
        sm.subscription = sub;
        sm.filter = filter;
        sm.sid = sid;
        REQUIRE(h.subscribe(c, nullptr, sm));
        return c;
    }
    result<json, proto::protocol_error> publish(proto::operation op, const json& data) {
        return h.publish(admin, proto::publish_msg{"Ticket", op, data});
    }
};

}  // namespace

TEST_CASE("hub: a change reaches the streams it enters, leaves and stays in, each with its next seq", "[hub]") {
    hubt_world w;
    conn_context& billing = w.subscribed("TeamQueue", {{"team", "billing"}});
    conn_context& sales = w.subscribed("TeamQueue", {{"team", "sales"}});
    conn_context& audit = w.subscribed("TicketAudit", json::object());

    REQUIRE(w.publish(proto::operation::insert, {{"id", "t1"}, {"subject", "s"}, {"team", "billing"}, {"status", "new"}}).ok());
    REQUIRE(w.publish(proto::operation::update, {{"id", "t1"}, {"team", "sales"}}).ok());

    auto b = w.sink.events_to(billing);
    REQUIRE(b.size() == 2);
    CHECK(b[0].op == proto::operation::insert);
    CHECK(b[0].position.seq == 1);
    CHECK(b[1].op == proto::operation::remove);  // left the stream: sent as it was before
    CHECK(b[1].data["team"] == "billing");
    CHECK(b[1].position.seq == 2);
    auto s = w.sink.events_to(sales);
    REQUIRE(s.size() == 1);
    CHECK(s[0].op == proto::operation::insert);
    CHECK(s[0].data["team"] == "sales");
    CHECK(s[0].position.seq == 1);
    auto a = w.sink.events_to(audit);
    REQUIRE(a.size() == 2);
    CHECK(a[1].op == proto::operation::update);
    CHECK(a[1].position.seq == 2);
    CHECK(w.commit.calls == 2);
    CHECK(w.commit.last_entity == "Ticket");
    CHECK(w.commit.last_stream_keys.size() == 3);
    CHECK(w.m.mutations == 2);
    CHECK(w.m.events_published == 5);
}

TEST_CASE("hub: name-only subscribers of a stream share one frame, a sid subscriber gets its sid", "[hub]") {
    hubt_world w;
    conn_context& one = w.subscribed("TicketDetail", {{"id", "t1"}});
    conn_context& two = w.subscribed("TicketDetail", {{"id", "t1"}});
    conn_context& pane = w.subscribed("TicketDetail", {{"id", "t1"}}, "pane");
    w.sink.out.clear();

    REQUIRE(w.publish(proto::operation::insert, {{"id", "t1"}, {"subject", "s"}, {"status", "new"}}).ok());
    REQUIRE(w.sink.out.size() == 3);
    const frame_ptr* shared = nullptr;
    for (const auto& d : w.sink.out) {
        CHECK(d.fanned_out);
        if (d.to == &one || d.to == &two) {
            if (shared) CHECK(d.frame.get() == shared->get());
            shared = &d.frame;
        }
    }
    REQUIRE(w.sink.events_to(pane).size() == 1);
    CHECK(w.sink.events_to(pane)[0].sid == "pane");
    CHECK(w.sink.events_to(one)[0].sid.empty());
}

TEST_CASE("hub: a change the commit seam refuses is neither stored nor sent, and uses no seq", "[hub]") {
    hubt_world w;
    conn_context& audit = w.subscribed("TicketAudit", json::object());
    w.commit.fail = true;
    auto r = w.publish(proto::operation::insert, {{"id", "t1"}, {"subject", "s"}, {"status", "new"}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == proto::error_code::bad_request);
    CHECK(r.error().message.find("disk full (test)") != std::string::npos);
    CHECK(w.sink.events_to(audit).empty());
    CHECK_FALSE(w.h.get_row(w.admin, "Ticket", "t1").ok());
    CHECK(w.m.mutations == 0);

    w.commit.fail = false;
    REQUIRE(w.publish(proto::operation::insert, {{"id", "t1"}, {"subject", "s"}, {"status", "new"}}).ok());
    auto e = w.sink.events_to(audit);
    REQUIRE(e.size() == 1);
    CHECK(e[0].position.seq == 1);
    CHECK(w.h.get_row(w.admin, "Ticket", "t1").ok());
}

TEST_CASE("hub: an invalid publish reaches neither the commit seam nor a subscriber", "[hub]") {
    hubt_world w;
    conn_context& audit = w.subscribed("TicketAudit", json::object());
    auto missing = w.publish(proto::operation::update, {{"id", "nope"}, {"status", "open"}});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == proto::error_code::not_found);
    auto bad = w.publish(proto::operation::insert, {{"id", "t2"}, {"status", "lost"}});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == proto::error_code::bad_request);
    CHECK(bad.error().message.rfind("data.status", 0) == 0);
    CHECK(w.commit.calls == 0);
    CHECK(w.sink.events_to(audit).empty());
}

TEST_CASE("hub: a disconnected subscriber gets nothing more and its stream turns idle", "[hub]") {
    hubt_world w;
    conn_context& audit = w.subscribed("TicketAudit", json::object());
    CHECK(w.h.snapshot_stats().idle_streams == 0);
    w.h.disconnect(audit);
    CHECK(w.h.snapshot_stats().idle_streams == 1);
    REQUIRE(w.publish(proto::operation::insert, {{"id", "t1"}, {"subject", "s"}, {"status", "new"}}).ok());
    CHECK(w.sink.events_to(audit).empty());
    CHECK(w.h.snapshot_stats().buffered_events == 1);  // kept for a resume all the same
}
