// Group 4: ordering and seq (docs/protocol.md §3 the id echo rule and reply order, §4 publish,
// §4 subscribe (sid), §5 event, §8 epoch and seq).
#include <algorithm>

#include "check/case_checks.hpp"
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"
#include "check/change_budget.hpp"
#include "check/publish_burst.hpp"

namespace rt::check {

namespace {

// Updates pipelined by 4.1: enough for a server that reorders or renumbers under load to show it,
// few enough to stay far inside the default burst of 200 messages.
constexpr int ordering_updates = 20;

void events_in_commit_order(case_context& c) {
    reserve_changes(c, ordering_updates + 2);  // the insert, the updates, the delete
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, vary = c.shape().vary_attr, v = c.fresh_value();
    const json r = c.subscribe(a, sub, c.filter(v));
    std::uint64_t seq = check_fresh_subscribed(r, sub);
    const std::string epoch = r["epoch"].get<std::string>();
    check_peer& pub = c.publisher();
    const json row = c.insert(pub, c.make_row(v, "payload 0"));
    std::vector<json> changes;
    for (int i = 1; i <= ordering_updates; ++i) changes.push_back(json{{"id", row["id"]}, {vary, "payload " + std::to_string(i)}});
    publish_burst(c, pub, "update", changes);
    c.remove(pub, row["id"].get<std::string>());
    for (int i = 0; i <= ordering_updates + 1; ++i) {
        const std::string op = i == 0 ? "insert" : i <= ordering_updates ? "update" : "delete";
        const json e = a.expect([&](const json& m) { return is_event_of(m, sub); }, "event " + std::to_string(i + 1) + " of the stream (" + op + ")");
        check_event(e, sub, op, epoch, ++seq);
        // The delete carries the row as it was: the last update's payload.
        const std::string want = "payload " + std::to_string(std::min(i, ordering_updates));
        if (e["data"].value(vary, "") != want)
            fail("events are not in commit order: event seq " + std::to_string(seq) + " carries " + vary + " = " +
                 e["data"].value(vary, std::string("(none)")) + "; the change committed at that position set \"" + want + "\"");
    }
}

void ids_echoed_unchanged(case_context& c) {
    reserve_changes(c, 2);  // the insert and its cleanup
    check_peer& a = c.connect();
    // Integers of several sizes and signs, and strings that look like numbers or are not ASCII:
    // each must come back as it went (7 and "7" are different ids).
    const std::vector<json> ids{7, "7", 0, -12, 4294967297LL, "rtcheck id ü/é", json(c.next_id())};
    for (std::size_t i = 0; i < ids.size(); ++i)
        a.send(json{{"type", "ping"}, {"id", ids[i]}, {"timestamp", static_cast<std::int64_t>(i + 1)}});
    const json sub_id = 41, pub_id = 42, unsub_id = 43;
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    a.send(json{{"type", "subscribe"}, {"id", sub_id}, {"subscription", sub}, {"filter", c.filter(v)}});
    const json row = c.make_row(v, "echo");
    c.remember_row(row["id"].get<std::string>());
    a.send(json{{"type", "publish"}, {"id", pub_id}, {"entity", c.shape().entity}, {"operation", "insert"}, {"data", row}});
    a.send(json{{"type", "unsubscribe"}, {"id", unsub_id}, {"subscription", sub}});
    auto same_id = [](const json& reply, const json& id, const std::string& what) {
        if (!reply.contains("id") || reply["id"].dump() != id.dump())
            fail(what + " (sent with id " + id.dump() + ") came back with " +
                 (reply.contains("id") ? "id " + reply["id"].dump() : std::string("no id")) +
                 ": the id must be copied unchanged, same JSON type and value: " + reply.dump());
    };
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto ts = static_cast<std::int64_t>(i + 1);
        const json p = a.expect([&](const json& m) { return m.value("type", "") == "pong" && m.value("timestamp", std::int64_t{-1}) == ts; },
                                "the pong to the ping with timestamp " + std::to_string(ts));
        same_id(p, ids[i], "the pong to a ping");
    }
    const std::vector<std::pair<std::string, json>> replies{{"subscribed", sub_id}, {"published", pub_id}, {"unsubscribed", unsub_id}};
    for (const auto& [type, id] : replies)
        same_id(a.next_of(type), id, "'" + type + "'");
}

void replies_in_request_order(case_context& c) {
    reserve_changes(c, 3);  // the insert, the update, the cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value(), other = c.fresh_value();
    const json row = c.make_row(v, "order");
    c.remember_row(row["id"].get<std::string>());
    const std::string entity = c.shape().entity;
    // Requests of every kind, sent back to back; each kind takes a different path in a server.
    const std::vector<std::pair<json, std::string>> requests{
        {{{"type", "subscribe"}, {"subscription", sub}, {"filter", c.filter(v)}}, "subscribed"},
        {{{"type", "ping"}}, "pong"},
        {{{"type", "publish"}, {"entity", entity}, {"operation", "insert"}, {"data", row}}, "published"},
        {{{"type", "subscribe"}, {"subscription", sub}, {"filter", c.filter(other)}}, "subscribed"},
        {{{"type", "publish"}, {"entity", entity}, {"operation", "update"}, {"data", {{"id", row["id"]}, {c.shape().vary_attr, "again"}}}}, "published"},
        {{{"type", "ping"}}, "pong"},
        {{{"type", "unsubscribe"}, {"subscription", sub}}, "unsubscribed"},
        {{{"type", "ping"}}, "pong"},
    };
    std::vector<json> sent;
    for (const auto& request : requests) {
        json m = request.first;
        m["id"] = c.next_id();
        sent.push_back(m["id"]);
        a.send(m);
    }
    a.sync();  // every reply has arrived: the sync's pong comes after them
    const std::vector<json> replies = a.take_all([](const json& m) { return m.contains("id"); });
    std::string got;
    for (const json& r : replies) got += (got.empty() ? "" : ", ") + r["id"].dump();
    if (replies.size() != sent.size())
        fail(std::to_string(sent.size()) + " requests were sent; " + std::to_string(replies.size()) + " replies came: " + got);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        if (replies[i]["id"] != sent[i])
            fail("reply " + std::to_string(i + 1) + " answers id " + replies[i]["id"].dump() + "; requests went " +
                 json(sent).dump() + ", so it should answer " + sent[i].dump() + " (replies come in request order); replies came " + got);
        if (replies[i].value("type", "") != requests[i].second)
            fail("the reply to id " + sent[i].dump() + " is " + replies[i].dump() + " instead of '" + requests[i].second + "'");
    }
}

void one_change_two_streams(case_context& c) {
    const app_shape& s = c.shape();
    if (s.second_subscription.empty())
        skip("the spec has no second subscription of " + s.entity + " that a row of " + s.subscription + " is also in");
    reserve_changes(c, 4);  // two inserts, two cleanups
    check_peer& a = c.connect();
    const std::string sub1 = s.subscription, sub2 = s.second_subscription, v = c.fresh_value();
    const json r1 = c.subscribe(a, sub1, c.filter(v));
    std::uint64_t seq1 = check_fresh_subscribed(r1, sub1);
    check_peer& pub = c.publisher();
    // A first change while only stream 1 is watched: the two streams' positions differ from here on.
    c.insert(pub, c.make_row(v, "before the second subscribe"));
    check_event(a.expect([&](const json& m) { return is_event_of(m, sub1); }, "the first insert's event"), sub1, "insert",
                r1["epoch"], ++seq1);
    const json r2 = c.subscribe(a, sub2, s.second_filtered ? c.filter(v) : json());
    std::uint64_t seq2 = check_fresh_subscribed(r2, sub2);
    const json stored = c.insert(pub, c.make_row(v, "in both"));
    const auto of_row = [&](const std::string& sub) {
        return [&, sub](const json& m) { return is_event_of(m, sub) && m.contains("data") && m["data"].value("id", "") == stored["id"]; };
    };
    const std::string each = " for the change (each stream it touches gets its own)";
    const json e1 = a.expect(of_row(sub1), "an event of " + sub1 + each);
    const json e2 = a.expect(of_row(sub2), "an event of " + sub2 + each);
    check_event(e1, sub1, "insert", r1["epoch"], ++seq1);
    check_event(e2, sub2, "insert", r2["epoch"], ++seq2);
    check_same_row(e2["data"], stored, "the event data in " + sub2);
    a.sync();
    a.expect_none([&](const json& m) { return is_event_of(m, sub1) || is_event_of(m, sub2); },
                  "second event for one change in one stream", ms(0));
}

void insert_without_id_gets_one(case_context& c) {
    reserve_changes(c, 2);  // the insert and its cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    const json r = c.subscribe(a, sub, c.filter(v));
    const std::uint64_t seq = check_fresh_subscribed(r, sub);
    json row = c.make_row(v, "server names me");
    row.erase("id");
    const json stored = c.insert(c.publisher(), row);
    if (!stored.contains("id") || !stored["id"].is_string() || stored["id"].get<std::string>().empty())
        fail("an insert without id was answered without a server-assigned id (a non-empty string) in 'published': " + stored.dump());
    json want = row;
    want["id"] = stored["id"];
    check_same_row(stored, want, "the published row (the row sent, with the assigned id)");
    const json e = a.expect([&](const json& m) { return is_event_of(m, sub); }, "the insert's event");
    check_event(e, sub, "insert", r["epoch"], seq + 1);
    check_same_row(e["data"], stored, "the event's row (the id assigned in 'published')");
}

void same_filter_sids_one_stream(case_context& c) {
    c.need_feature("sid");
    reserve_changes(c, 2);  // the insert and its cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    const json r1 = c.subscribe(a, sub, c.filter(v), {{"sid", "first"}});
    const json r2 = c.subscribe(a, sub, c.filter(v), {{"sid", "second"}});
    if (r1["epoch"] != r2["epoch"] || r1["seq"] != r2["seq"])
        fail("two sid subscriptions with one filter are one stream, but their 'subscribed' positions differ: " + r1.dump() + " / " + r2.dump());
    c.insert(c.publisher(), c.make_row(v, "seen twice"));
    const json e1 = a.expect([&](const json& m) { return is_event_of(m, sub, "first"); }, "the event of sid first");
    const json e2 = a.expect([&](const json& m) { return is_event_of(m, sub, "second"); }, "the event of sid second");
    const std::uint64_t next = r1["seq"].get<std::uint64_t>() + 1;
    check_event(e1, sub, "insert", r1["epoch"], next);
    check_event(e2, sub, "insert", r1["epoch"], next);
}

}  // namespace

case_group ordering_cases(int number) {
    return make_group(number, "ordering", "Ordering and seq",
                      {
                          {"", "pipelined changes to one row: events in commit order, seq +1 each (insert, 20 updates, delete)", "§8 epoch and seq", events_in_commit_order},
                          {"", "string and integer ids are echoed unchanged in every direct reply (7 and \"7\" differ)", "§3 The id echo rule", ids_echoed_unchanged},
                          {"", "replies to pipelined requests of every kind come back in request order", "§3 The id echo rule", replies_in_request_order},
                          {"", "one change in two streams of a connection: an event in each, each at its own seq", "§5 event", one_change_two_streams},
                          {"", "an insert without id: published carries a server-assigned string id; the event the same row", "§4 publish", insert_without_id_gets_one},
                          {"", "two sid subscriptions with one filter are one stream: same epoch and seq", "§4 subscribe (sid)", same_filter_sids_one_stream},
                      });
}

}  // namespace rt::check
