// Group 2: subscribing (docs/protocol.md §4 subscribe, §5 subscribed/event, §8 the atomic snapshot).
#include <algorithm>
#include <set>

#include "check/case_checks.hpp"
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

void subscribed_reply_shape(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription;
    const json r = c.subscribe(a, sub, c.filter(c.fresh_value()));
    check_fresh_subscribed(r, sub);
    if (!r["initial"].empty()) fail("a stream no row is in has a non-empty initial: " + r.dump());
    if (r.contains("sid")) fail("a subscribe without sid was answered with a sid: " + r.dump());
}

void snapshot_holds_exactly_matching_rows(case_context& c) {
    check_peer& pub = c.publisher();
    const std::string mine = c.fresh_value(), other = c.fresh_value();
    const json r1 = c.insert(pub, c.make_row(mine, "one"));
    const json r2 = c.insert(pub, c.make_row(mine, "two"));
    c.insert(pub, c.make_row(other, "elsewhere"));
    check_peer& a = c.connect();
    const json r = c.subscribe(a, c.shape().subscription, c.filter(mine));
    check_fresh_subscribed(r, c.shape().subscription);
    std::vector<std::string> want{r1["id"].get<std::string>(), r2["id"].get<std::string>()};
    std::sort(want.begin(), want.end());
    const auto got = row_ids(r["initial"]);
    if (got != want) fail("initial holds " + json(got).dump() + "; the rows matching the filter are " + json(want).dump());
    for (const json& row : r["initial"]) check_same_row(row, row["id"] == r1["id"] ? r1 : r2, "initial row " + row["id"].dump());
}

void events_continue_snapshot(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    const json r = c.subscribe(a, sub, c.filter(v));
    const std::uint64_t seq = check_fresh_subscribed(r, sub);
    const json stored = c.insert(c.publisher(), c.make_row(v, "first"));
    const json e = a.expect([&](const json& m) { return is_event_of(m, sub); }, "the insert's event");
    check_event(e, sub, "insert", r["epoch"], seq + 1);
    check_same_row(e["data"], stored, "the insert event's data");
}

void same_stream_same_positions(case_context& c) {
    check_peer& a = c.connect("A");
    check_peer& b = c.connect("B");
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    const json ra = c.subscribe(a, sub, c.filter(v));
    const json rb = c.subscribe(b, sub, c.filter(v));
    if (ra["epoch"] != rb["epoch"]) fail("two subscribers of one stream got epochs " + ra["epoch"].dump() + " and " + rb["epoch"].dump());
    const json row = c.insert(c.publisher(), c.make_row(v, "shared"));
    const json ea = a.expect([&](const json& m) { return is_event_of(m, sub); }, "the event");
    const json eb = b.expect([&](const json& m) { return is_event_of(m, sub); }, "the event");
    if (ea["seq"] != eb["seq"] || ea["epoch"] != eb["epoch"])
        fail("one event of one stream reached its subscribers at different positions: " + ea.dump() + " / " + eb.dump());
    check_same_row(eb["data"], row, "B's event data");
}

void sid_subscriptions_side_by_side(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v1 = c.fresh_value(), v2 = c.fresh_value();
    const json r1 = c.subscribe(a, sub, c.filter(v1), {{"sid", "left"}});
    const json r2 = c.subscribe(a, sub, c.filter(v2), {{"sid", "right"}});
    if (r1.value("sid", "") != "left" || r2.value("sid", "") != "right")
        fail("'subscribed' does not echo the sid: " + r1.dump() + " / " + r2.dump());
    c.insert(c.publisher(), c.make_row(v2, "to the right"));
    const json e = a.expect([&](const json& m) { return is_event_of(m, sub); }, "the event of sid right");
    if (e.value("sid", "") != "right") fail("an event of the stream subscribed as sid 'right' carries sid " + e.value("sid", std::string("(none)")) + ": " + e.dump());
    check_event(e, sub, "insert", r2["epoch"], r2["seq"].get<std::uint64_t>() + 1);
    a.sync();
    a.expect_none([&](const json& m) { return is_event_of(m, sub); }, "second event (the change was in sid right's stream only)", ms(0));
    const json id = c.next_id();
    a.send(json{{"type", "unsubscribe"}, {"id", id}, {"sid", "left"}});
    const json u = a.reply_of(id, "unsubscribed");
    if (u.value("sid", "") != "left") fail("'unsubscribed' does not echo the sid: " + u.dump());
}

void resubscribe_replaces(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, old_v = c.fresh_value(), new_v = c.fresh_value();
    c.subscribe(a, sub, c.filter(old_v));
    const json r = c.subscribe(a, sub, c.filter(new_v));
    c.insert(c.publisher(), c.make_row(old_v, "old stream"));
    const json row = c.insert(c.publisher(), c.make_row(new_v, "new stream"));
    const json e = a.expect([&](const json& m) { return is_event_of(m, sub); }, "the new stream's event");
    check_event(e, sub, "insert", r["epoch"], r["seq"].get<std::uint64_t>() + 1);
    if (e["data"]["id"] != row["id"]) fail("after resubscribing with another filter, an event of the old filter came: " + e.dump());
    a.sync();
    a.expect_none([&](const json& m) { return is_event_of(m, sub); }, "event of the replaced filter", ms(0));
}

void unsubscribe_stops_events(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    c.subscribe(a, sub, c.filter(v));
    const json id = c.next_id();
    a.send(json{{"type", "unsubscribe"}, {"id", id}, {"subscription", sub}});
    const json u = a.reply_of(id, "unsubscribed");
    if (u.value("subscription", "") != sub) fail("'unsubscribed' does not name the subscription: " + u.dump());
    c.insert(c.publisher(), c.make_row(v, "after unsubscribe"));
    a.sync();  // the event, had it been sent, was queued before the pong
    a.expect_none([&](const json& m) { return is_event_of(m, sub); }, "event after the unsubscribe", ms(0));
}

void snapshot_atomic_under_publishes(case_context& c) {
    check_peer& pub = c.publisher();
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    constexpr int n = 80;  // inside the default burst of 200 messages and changes, deletes included
    std::vector<json> ids;
    json sub_id;
    for (int i = 0; i < n; ++i) {
        if (i == n / 2) {  // the subscribe lands among the inserts
            sub_id = c.next_id();
            a.send(json{{"type", "subscribe"}, {"id", sub_id}, {"subscription", sub}, {"filter", c.filter(v)}});
        }
        json row = c.make_row(v, "burst " + std::to_string(i));
        const json id = c.next_id();
        pub.send(json{{"type", "publish"}, {"id", id}, {"entity", c.shape().entity}, {"operation", "insert"}, {"data", row}});
        ids.push_back(id);
        c.remember_row(row["id"].get<std::string>());
    }
    for (const json& id : ids) pub.reply_of(id, "published");
    const json r = a.reply_of(sub_id, "subscribed");
    std::uint64_t next = check_fresh_subscribed(r, sub) + 1;
    std::multiset<std::string> seen;
    for (const json& row : r["initial"]) seen.insert(row["id"].get<std::string>());
    a.sync();
    for (const json& e : a.take_all([&](const json& m) { return is_event_of(m, sub); })) {
        check_event(e, sub, "insert", r["epoch"], next++);
        seen.insert(e["data"]["id"].get<std::string>());
    }
    if (seen.size() != static_cast<std::size_t>(n))
        fail("initial (" + std::to_string(r["initial"].size()) + " rows) and the events after it hold " + std::to_string(seen.size()) +
             " rows; " + std::to_string(n) + " were inserted (a row missing, or in both)");
    for (const std::string& id : seen)
        if (seen.count(id) != 1) fail("row " + id + " is both in initial and in an event after it");
}

}  // namespace

case_group snapshot_cases(int number) {
    return make_group(number, "snapshot", "Subscribe and snapshot",
                      {
                          {"", "subscribed: id echoed, epoch, seq ≥ 0, recovered:false, initial [] for an empty stream", "§5 subscribed", subscribed_reply_shape},
                          {"", "initial holds exactly the rows matching the filter, as stored", "§8 Subscribing fresh: the atomic snapshot", snapshot_holds_exactly_matching_rows},
                          {"", "the first event after the snapshot has seq = subscribed.seq + 1, the stream's epoch, ts, no id", "§5 event", events_continue_snapshot},
                          {"", "two subscribers of one stream get each event at the same epoch and seq", "§8 What a stream is", same_stream_same_positions},
                          {"", "two sid subscriptions of one name live side by side; events carry their sid", "§4 subscribe (sid)", sid_subscriptions_side_by_side},
                          {"", "subscribing again to a name replaces its filter: no event of the old one", "§4 subscribe (name-only form)", resubscribe_replaces},
                          {"", "unsubscribe is answered unsubscribed and stops the events", "§4 unsubscribe", unsubscribe_stops_events},
                          {"", "a snapshot taken among concurrent inserts: every row once, in initial or in an event after it", "§8 Subscribing fresh: the atomic snapshot", snapshot_atomic_under_publishes},
                      });
}

}  // namespace rt::check
