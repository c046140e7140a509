// Group 3: rows entering, changing in and leaving a subscription's view (docs/protocol.md §1, §5 event).
#include "check/case_checks.hpp"
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

// A subscriber on a fresh stream, and the stream's position, for the cases below.
struct watched {
    check_peer* peer = nullptr;
    std::string sub, value, epoch;
    std::uint64_t seq = 0;
    json next_event(const std::string& what) {
        const std::string s = sub;
        return peer->expect([&](const json& m) { return is_event_of(m, s); }, what);
    }
    void expect_event(const std::string& op, const json& data, const std::string& what) {
        const json e = next_event(what);
        check_event(e, sub, op, epoch, ++seq);
        check_same_row(e["data"], data, "the " + op + " event's data");
    }
};

watched watch(case_context& c) {
    watched w;
    w.peer = &c.connect();
    w.sub = c.shape().subscription;
    w.value = c.fresh_value();
    const json r = c.subscribe(*w.peer, w.sub, c.filter(w.value));
    w.seq = check_fresh_subscribed(r, w.sub);
    w.epoch = r["epoch"].get<std::string>();
    return w;
}

json merged(json row, const json& fields) {
    for (const auto& [k, v] : fields.items()) {
        if (v.is_null()) row.erase(k);
        else row[k] = v;
    }
    return row;
}

void insert_enters(case_context& c) {
    watched w = watch(c);
    const json stored = c.insert(c.publisher(), c.make_row(w.value, "entering"));
    w.expect_event("insert", stored, "an insert event for the new row");
}

void update_stays(case_context& c) {
    watched w = watch(c);
    const json stored = c.insert(c.publisher(), c.make_row(w.value, "before"));
    w.expect_event("insert", stored, "the insert event");
    const json fields{{"id", stored["id"]}, {c.shape().vary_attr, "after"}};
    const json updated = c.update(c.publisher(), fields);
    check_same_row(updated, merged(stored, fields), "the published row after a partial update (fields are merged)");
    w.expect_event("update", updated, "an update event carrying the whole row");
}

void update_leaves(case_context& c) {
    c.need_leave();
    watched w = watch(c);
    const json stored = c.insert(c.publisher(), c.make_row(w.value, "visible"));
    w.expect_event("insert", stored, "the insert event");
    const auto& [attr, value] = *c.shape().leave;
    // The change also edits the payload: the delete must show the row as the subscribers saw it.
    c.update(c.publisher(), json{{"id", stored["id"]}, {attr, value}, {c.shape().vary_attr, "new contents"}});
    w.expect_event("delete", stored, "a delete event (the row left the view) carrying the row as it was before");
}

void update_reenters(case_context& c) {
    c.need_leave();
    watched w = watch(c);
    json row = c.make_row(w.value, "outside");
    const auto& [attr, value] = *c.shape().leave;
    const json inside_value = row.contains(attr) ? row[attr] : json();
    row[attr] = value;
    if (value.is_null()) row.erase(attr);
    c.insert(c.publisher(), row);
    w.peer->sync();
    w.peer->expect_none([&](const json& m) { return m.value("type", "") == "event"; }, "event for a row inserted outside the view", ms(0));
    const json updated = c.update(c.publisher(), json{{"id", row["id"]}, {attr, inside_value}});
    w.expect_event("insert", updated, "an insert event (the row entered the view) carrying the whole row");
}

void change_outside_view_silent(case_context& c) {
    c.need_leave();
    watched w = watch(c);
    json row = c.make_row(w.value, "outside");
    const auto& [attr, value] = *c.shape().leave;
    row[attr] = value;
    if (value.is_null()) row.erase(attr);
    c.insert(c.publisher(), row);
    c.update(c.publisher(), json{{"id", row["id"]}, {c.shape().vary_attr, "still outside"}});
    c.remove(c.publisher(), row["id"].get<std::string>());
    w.peer->sync();
    w.peer->expect_none([&](const json& m) { return m.value("type", "") == "event"; }, "event for changes to a row outside the view", ms(0));
}

void delete_leaves(case_context& c) {
    watched w = watch(c);
    const json stored = c.insert(c.publisher(), c.make_row(w.value, "doomed"));
    w.expect_event("insert", stored, "the insert event");
    const json old = c.remove(c.publisher(), stored["id"].get<std::string>());
    check_same_row(old, stored, "the published reply to a delete (the row as it was)");
    w.expect_event("delete", stored, "a delete event carrying the deleted row");
}

void other_stream_silent(case_context& c) {
    watched w = watch(c);
    const std::string other = c.fresh_value();
    const json row = c.insert(c.publisher(), c.make_row(other, "not yours"));
    c.update(c.publisher(), json{{"id", row["id"]}, {c.shape().vary_attr, "still not yours"}});
    w.peer->sync();
    w.peer->expect_none([&](const json& m) { return m.value("type", "") == "event"; },
                        "event for a row of another filter value (" + c.shape().filter_attr + "=" + other + ")", ms(0));
}

void filter_change_moves_row(case_context& c) {
    watched from = watch(c);
    watched to = watch(c);
    const json stored = c.insert(c.publisher(), c.make_row(from.value, "moving"));
    from.expect_event("insert", stored, "the insert event");
    const json moved = c.update(c.publisher(), json{{"id", stored["id"]}, {c.shape().filter_attr, to.value}});
    from.expect_event("delete", stored, "a delete event in the stream the row left (the row as it was there)");
    to.expect_event("insert", moved, "an insert event in the stream the row entered");
}

}  // namespace

case_group transition_cases(int number) {
    return make_group(number, "transitions", "Rows entering, changing and leaving a view",
                      {
                          {"", "an insert into the view: an insert event with the stored row", "§5 event", insert_enters},
                          {"", "an update that keeps the row in: fields merged; an update event with the whole row", "§4 publish, §5 event", update_stays},
                          {"", "an update that moves the row out: a delete event with the row as it was before", "§5 event (delete)", update_leaves},
                          {"", "an update that moves a row in: an insert event with the whole row", "§5 event", update_reenters},
                          {"", "changes to a row outside the view send nothing", "§1 Concepts", change_outside_view_silent},
                          {"", "a delete: published and the delete event carry the row as it was", "§4 publish, §5 event", delete_leaves},
                          {"", "a change in another stream (another filter value) sends nothing", "§8 What a stream is", other_stream_silent},
                          {"", "changing the filter attribute: delete in the old stream, insert in the new", "§5 event (delete)", filter_change_moves_row},
                      });
}

}  // namespace rt::check
