// Group 6: errors (docs/protocol.md §3 Messages in general, §4 Messages the codec refuses, §6 Error
// codes): every bad input gets its code, with the id where it can be read; the refused message
// changes nothing and the connection stays open.
#include "check/case_checks.hpp"
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"
#include "check/change_budget.hpp"
#include "check/error_reply.hpp"

namespace rt::check {

namespace {

// A subscriber of a fresh stream of the case's subscription: what a refused change must not reach.
struct error_watch {
    check_peer* peer = nullptr;
    std::string value;
};

error_watch error_watch_fresh(case_context& c) {
    error_watch w{&c.connect("watch"), c.fresh_value()};
    c.subscribe(*w.peer, c.shape().subscription, c.filter(w.value));
    return w;
}

// After the refused `what`, the watcher's stream saw no event (sync: anything sent before has come).
void error_expect_no_effect(case_context& c, const error_watch& w, const std::string& what) {
    const std::string sub = c.shape().subscription;
    w.peer->sync();
    w.peer->expect_none([&](const json& m) { return is_event_of(m, sub); }, "event after " + what + " (it must change nothing)", ms(0));
}

json error_publish(const json& id, const std::string& entity, const std::string& op, const json& data) {
    return json{{"type", "publish"}, {"id", id}, {"entity", entity}, {"operation", op}, {"data", data}};
}

void not_json_refused(case_context& c) {
    check_peer& a = c.connect();
    a.send_text("{\"type\":\"ping\",\"id\":\"rtcheck\",");
    expect_idless_refusal(a, "BAD_REQUEST");
}

void unknown_type_refused(case_context& c) {
    check_peer& a = c.connect();
    const json id = c.next_id();
    a.send(json{{"type", "rtcheck-frobnicate"}, {"id", id}});
    expect_refusal(a, id, "BAD_REQUEST");
}

void unknown_field_refused(case_context& c) {
    reserve_changes(c, 2);  // the insert into the refused subscription's stream, its cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    const json id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", sub}, {"filter", c.filter(v)}, {"rtcheck_extra", 1}});
    require_names_field(expect_refusal(a, id, "BAD_REQUEST"), "rtcheck_extra");
    expect_not_subscribed(c, a, v);
}

void wrong_field_type_refused(case_context& c) {
    check_peer& a = c.connect();
    const json id = c.next_id();
    a.send(json{{"type", "ping"}, {"id", id}, {"timestamp", "now"}});
    require_names_field(expect_refusal(a, id, "BAD_REQUEST"), "timestamp");
}

void null_id_refused(case_context& c) {
    check_peer& a = c.connect();
    a.send(json{{"type", "ping"}, {"id", nullptr}});
    expect_idless_refusal(a, "BAD_REQUEST");
    a.expect_none([](const json& m) { return m.value("type", "") == "pong"; }, "pong for the ping with id null (it was refused)", ms(0));
}

void binary_frame_refused(case_context& c) {
    check_peer& a = c.connect();
    a.send_frame(ws_frame{ws_opcode::binary, json{{"type", "ping"}, {"id", "rtcheck-binary"}}.dump(), true});
    expect_idless_refusal(a, "BAD_REQUEST");
    a.expect_none([](const json& m) { return m.value("type", "") == "pong"; }, "pong for a ping sent in a binary frame (it must be ignored)", ms(0));
}

void invalid_utf8_closes(case_context& c) {
    check_peer& a = c.connect();
    a.send_text("{\"type\":\"ping\",\"id\":\"rtcheck-\xc3\x28\"}");  // 0xC3 0x28: a lead byte without its continuation
    const auto code = a.wait_close(a.step_timeout());
    if (!code) fail("a text frame that is not UTF-8 did not close the connection (expected close 1007)");
    if (*code != 1007) fail("a text frame that is not UTF-8 closed the connection with " + std::to_string(*code) + " instead of 1007");
}

void unknown_subscription_refused(case_context& c) {
    check_peer& a = c.connect();
    json id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", "RtcheckNoSuchSubscription"}});
    expect_refusal(a, id, "UNKNOWN_SUBSCRIPTION");
    id = c.next_id();
    a.send(json{{"type", "unsubscribe"}, {"id", id}, {"subscription", "RtcheckNoSuchSubscription"}});
    expect_refusal(a, id, "UNKNOWN_SUBSCRIPTION");
}

void unknown_filter_attribute_refused(case_context& c) {
    reserve_changes(c, 2);  // the insert into the refused subscription's stream, its cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, v = c.fresh_value();
    json filter = c.filter(v);
    filter["rtcheck_no_such_attribute"] = "x";
    const json id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", sub}, {"filter", filter}});
    expect_refusal(a, id, "INVALID_FILTER");
    expect_not_subscribed(c, a, v);
}

void missing_row_not_found(case_context& c) {
    reserve_changes(c, 2);  // the refused update and delete
    const error_watch w = error_watch_fresh(c);
    check_peer& pub = c.publisher();
    const json row = c.make_row(w.value, "never inserted");
    for (const std::string op : {"update", "delete"}) {
        const json id = c.next_id();
        pub.send(error_publish(id, c.shape().entity, op, op == "update" ? row : json{{"id", row["id"]}}));
        expect_refusal(pub, id, "NOT_FOUND");
    }
    error_expect_no_effect(c, w, "an update of a row that does not exist");
}

void insert_existing_refused(case_context& c) {
    reserve_changes(c, 3);  // the insert, the refused one, the cleanup
    const error_watch w = error_watch_fresh(c);
    check_peer& pub = c.publisher();
    json row = c.make_row(w.value, "first");
    c.insert(pub, row);
    w.peer->expect([&](const json& m) { return is_event_of(m, c.shape().subscription); }, "the insert's event");
    row[c.shape().vary_attr] = "second";
    const json id = c.next_id();
    pub.send(error_publish(id, c.shape().entity, "insert", row));
    expect_refusal(pub, id, "BAD_REQUEST");
    error_expect_no_effect(c, w, "an insert of an id that exists");
}

void wrong_value_type_refused(case_context& c) {
    const std::string attr = c.shape().typed_attr;
    if (attr.empty()) skip("every attribute of " + c.shape().entity + " takes any string: no ill-typed value to send");
    reserve_changes(c, 1);  // the refused insert
    const error_watch w = error_watch_fresh(c);
    check_peer& pub = c.publisher();
    json row = c.make_row(w.value, "ill-typed");
    row[attr] = "rtcheck-not-a-valid-" + attr;
    const json id = c.next_id();
    pub.send(error_publish(id, c.shape().entity, "insert", row));
    require_names_field(expect_refusal(pub, id, "BAD_REQUEST"), attr);
    error_expect_no_effect(c, w, "an insert with an ill-typed " + attr);
}

void unknown_entity_refused(case_context& c) {
    reserve_changes(c, 1);  // the refused publish
    check_peer& pub = c.publisher();
    const json id = c.next_id();
    pub.send(error_publish(id, "RtcheckNoSuchEntity", "insert", json{{"id", c.fresh_value()}}));
    expect_refusal(pub, id, "BAD_REQUEST");
}

void unsubscribe_not_held_answered(case_context& c) {
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription;
    const json id = c.next_id();
    a.send(json{{"type", "unsubscribe"}, {"id", id}, {"subscription", sub}});
    const json u = a.reply_of(id, "unsubscribed");
    if (u.value("subscription", "") != sub) fail("'unsubscribed' does not name the subscription: " + u.dump());
    a.sync();
}

}  // namespace

case_group error_cases(int number) {
    return make_group(number, "errors", "Errors: every code for its bad input, the connection kept",
                      {
                          {"", "a frame that is not JSON: BAD_REQUEST without id", "§3 Messages in general", not_json_refused},
                          {"", "an unknown type: BAD_REQUEST echoing the id", "§4 Messages the codec refuses", unknown_type_refused},
                          {"", "an unknown field: BAD_REQUEST naming it; the subscribe had no effect", "§3 Messages in general", unknown_field_refused},
                          {"", "a field of the wrong JSON type: BAD_REQUEST naming it", "§3 Messages in general", wrong_field_type_refused},
                          {"", "id null: BAD_REQUEST without id, no pong", "§3 The id echo rule", null_id_refused},
                          {"", "a binary frame: BAD_REQUEST, otherwise ignored", "§3 Messages in general", binary_frame_refused},
                          {"", "a text frame that is not UTF-8: close 1007", "§3 Messages in general", invalid_utf8_closes},
                          {"", "subscribe or unsubscribe of an undeclared subscription: UNKNOWN_SUBSCRIPTION", "§6 Error codes", unknown_subscription_refused},
                          {"", "a filter on an unknown attribute: INVALID_FILTER, not subscribed", "§6 Error codes", unknown_filter_attribute_refused},
                          {"", "update or delete of a missing row: NOT_FOUND, no row created", "§4 publish", missing_row_not_found},
                          {"", "an insert of an id that exists: BAD_REQUEST, the row unchanged", "§4 publish", insert_existing_refused},
                          {"", "a row value of the wrong type: BAD_REQUEST naming the field, no row created", "§4 publish", wrong_value_type_refused},
                          {"", "a publish to an undeclared entity: BAD_REQUEST", "§4 publish", unknown_entity_refused},
                          {"", "unsubscribe of a subscription not held: unsubscribed (idempotent)", "§4 unsubscribe", unsubscribe_not_held_answered},
                      });
}

}  // namespace rt::check
