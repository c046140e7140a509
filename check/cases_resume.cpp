// Group 5: resuming with since (docs/protocol.md §8 Resuming with since, The replay buffer; §5
// subscribed and event). A client "A" follows a stream, leaves (drops its TCP connection), the
// stream moves on or not, and a new connection "B" subscribes with since = A's last position.
#include "check/case_checks.hpp"
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"
#include "check/change_budget.hpp"
#include "check/publish_burst.hpp"

namespace rt::check {

namespace {

// Above this many buffered events, 5.6 would publish too long (and past the default burst of
// 200 messages) to overflow the buffer: it is skipped.
constexpr double resume_max_overflow_events = 150;

struct stream_position {
    std::string epoch;
    std::uint64_t seq = 0;
    json since() const { return json{{"epoch", epoch}, {"seq", seq}}; }
    std::string text() const { return "{epoch " + epoch + ", seq " + std::to_string(seq) + "}"; }
};

// A subscriber "A" on a fresh stream that saw one insert (row `row`) and then dropped its
// connection without a close frame: `last` is the position it processed.
struct left_stream {
    std::string sub, value;
    json row;
    stream_position last;
};

left_stream follow_then_leave(case_context& c, const json& extra = json::object()) {
    left_stream s;
    s.sub = c.shape().subscription;
    s.value = c.fresh_value();
    check_peer& a = c.connect("A");
    const json r = c.subscribe(a, s.sub, c.filter(s.value), extra);
    s.last = {r["epoch"].get<std::string>(), check_fresh_subscribed(r, s.sub)};
    s.row = c.insert(c.publisher(), c.make_row(s.value, "seen by A"));
    const json e = a.expect([&](const json& m) { return is_event_of(m, s.sub); }, "the insert's event");
    check_event(e, s.sub, "insert", s.last.epoch, ++s.last.seq);
    a.drop();
    return s;
}

// Subscribes `p` to the stream with `since` (and `extra`: a sid) and returns the reply, which must
// be `subscribed` of the stream's subscription.
json resubscribe(case_context& c, check_peer& p, const left_stream& s, const json& since, const json& extra = json::object()) {
    json more = extra;
    more["since"] = since;
    return c.subscribe(p, s.sub, c.filter(s.value), more);
}

// `r` answers a resume with recovered:true: no initial, the stream's epoch, seq `seq`.
void check_recovered(const json& r, const stream_position& since, const std::string& epoch, std::uint64_t seq) {
    if (!r.contains("recovered") || r["recovered"] != true)
        fail("a resume with since " + since.text() + " (the stream's epoch, its events still buffered) was answered without recovered:true: " + r.dump());
    if (r.contains("initial")) fail("a recovered:true 'subscribed' must not carry initial: " + r.dump());
    if (r.value("epoch", "") != epoch) fail("the resumed stream's epoch is " + epoch + "; 'subscribed' says " + r.dump());
    if (!r.contains("seq") || !r["seq"].is_number_unsigned() || r["seq"].get<std::uint64_t>() != seq)
        fail("'subscribed' after a resume must carry the stream's latest seq, " + std::to_string(seq) + ": " + r.dump());
}

// `r` answers a resume that cannot be honoured: recovered:false, a fresh initial holding exactly
// `row` (as last stored), the stream's current epoch and seq.
void check_not_recovered(const json& r, const std::string& sub, const std::string& why, const json& row, const std::string& epoch,
                         std::uint64_t seq) {
    if (!r.contains("recovered") || r["recovered"] != false)
        fail("a resume " + why + " must be answered recovered:false with a fresh initial; got " + r.dump());
    check_fresh_subscribed(r, sub);
    if (r["epoch"] != epoch) fail("recovered:false must carry the stream's current epoch " + epoch + "; got " + r.dump());
    if (r["seq"].get<std::uint64_t>() != seq)
        fail("recovered:false must carry the stream's current seq " + std::to_string(seq) + "; got " + r.dump());
    if (r["initial"].size() != 1) fail("initial must hold the stream's one row " + row["id"].dump() + "; got " + r["initial"].dump());
    check_same_row(r["initial"][0], row, "the row in initial");
}

// What 5.1 and 5.2 share: A leaves after one insert; three changes happen while it is away,
// watched live by "L" (subscribed after A left); B resumes from A's position while a fourth
// change is published at the same moment (it may land in the replay or after it).
struct missed_and_resumed {
    left_stream s;
    check_peer* b = nullptr;
    json reply;
    std::vector<json> live;  // L's frames of the events after A's position, in order (4)
};

missed_and_resumed miss_three_then_resume(case_context& c) {
    reserve_changes(c, 6);  // A's insert, three missed changes, the live one, the cleanup
    missed_and_resumed m;
    m.s = follow_then_leave(c);
    const std::string& sub = m.s.sub;
    check_peer& l = c.connect("L");
    const json rl = c.subscribe(l, sub, c.filter(m.s.value));
    if (rl["epoch"] != m.s.last.epoch || rl["seq"] != m.s.last.seq)
        fail("a stream whose subscriber left a moment ago lost its position " + m.s.last.text() + ": L's 'subscribed' says " + rl.dump());
    check_peer& pub = c.publisher();
    const json other = c.insert(pub, c.make_row(m.s.value, "missed insert"));
    c.update(pub, json{{"id", m.s.row["id"]}, {c.shape().vary_attr, "missed update"}});
    c.remove(pub, other["id"].get<std::string>());
    check_peer& b = c.connect("B");
    m.b = &b;
    const json id = c.next_id();
    b.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", sub}, {"filter", c.filter(m.s.value)}, {"since", m.s.last.since()}});
    const json live_id = c.next_id();
    pub.send(json{{"type", "publish"}, {"id", live_id}, {"entity", c.shape().entity}, {"operation", "update"},
                  {"data", {{"id", m.s.row["id"]}, {c.shape().vary_attr, "live update"}}}});
    pub.reply_of(live_id, "published");
    m.reply = b.reply_of(id, "subscribed");
    for (int i = 0; i < 4; ++i)  // the three missed changes, the live one
        m.live.push_back(l.expect([&](const json& e) { return is_event_of(e, sub); }, "L's event " + std::to_string(i + 1)));
    return m;
}

void resume_replays_missed(case_context& c) {
    missed_and_resumed m = miss_three_then_resume(c);
    const std::string& sub = m.s.sub;
    const std::uint64_t from = m.s.last.seq;
    // The stream's latest when B subscribed: after the three missed changes, and before or after the live one.
    const std::uint64_t top = m.reply.value("seq", std::uint64_t{0});
    check_recovered(m.reply, m.s.last, m.s.last.epoch, top == from + 4 ? from + 4 : from + 3);
    const char* ops[] = {"insert", "update", "delete", "update"};
    for (std::uint64_t seq = from + 1; seq <= from + 4; ++seq) {
        const bool replayed = seq <= top;
        const json e = m.b->expect([&](const json& x) { return is_event_of(x, sub); },
                                   (replayed ? "replayed event " : "the live event ") + std::string("with seq ") + std::to_string(seq));
        if (e.value("seq", std::uint64_t{0}) != seq)
            fail(std::string(replayed ? "the replay must hold exactly the missed events since.seq + 1 … subscribed.seq, in order, "
                                      : "the live event must follow the replay directly, ") +
                 "so the next event is seq " + std::to_string(seq) + "; got " + e.dump());
        check_event(e, sub, ops[seq - from - 1], m.s.last.epoch, seq);
    }
    m.b->sync();
    m.b->expect_none([&](const json& x) { return is_event_of(x, sub); }, "further event (4 changes were made after A's position)", ms(0));
}

void replay_is_live_frame(case_context& c) {
    missed_and_resumed m = miss_three_then_resume(c);
    const std::string& sub = m.s.sub;
    if (m.reply.value("recovered", false) != true) fail("a resume inside the replay buffer was not answered recovered:true: " + m.reply.dump());
    for (const json& live : m.live) {
        const json e = m.b->expect([&](const json& x) { return is_event_of(x, sub); }, "the event with seq " + live["seq"].dump());
        if (e != live)
            fail("the event with seq " + live["seq"].dump() + " reached B as " + e.dump() + " but was sent live as " + live.dump() +
                 " (a replayed event is the frame sent live: same data, same ts)");
    }
}

void resume_nothing_missed(case_context& c) {
    reserve_changes(c, 3);  // A's insert, the live update, the cleanup
    const left_stream s = follow_then_leave(c);
    check_peer& b = c.connect("B");
    const json r = resubscribe(c, b, s, s.last.since());
    check_recovered(r, s.last, s.last.epoch, s.last.seq);
    b.sync();
    b.expect_none([&](const json& m) { return is_event_of(m, s.sub); }, "event after a resume that missed nothing", ms(0));
    const json stored = c.update(c.publisher(), json{{"id", s.row["id"]}, {c.shape().vary_attr, "after the resume"}});
    const json e = b.expect([&](const json& m) { return is_event_of(m, s.sub); }, "the next live event");
    check_event(e, s.sub, "update", s.last.epoch, s.last.seq + 1);
    check_same_row(e["data"], stored, "the live event's row");
}

void foreign_epoch_snapshot(case_context& c) {
    reserve_changes(c, 2);  // A's insert and its cleanup
    const left_stream s = follow_then_leave(c);
    // Any other string is another epoch; keep the 16-hex-digit look of rt serve's.
    const std::string foreign = s.last.epoch == "0123456789abcdef" ? "fedcba9876543210" : "0123456789abcdef";
    check_peer& b = c.connect("B");
    const json r = resubscribe(c, b, s, stream_position{foreign, s.last.seq}.since());
    check_not_recovered(r, s.sub, "from another epoch (" + foreign + ")", s.row, s.last.epoch, s.last.seq);
    b.sync();
    b.expect_none([&](const json& m) { return is_event_of(m, s.sub); }, "event after a snapshot of an idle stream", ms(0));
}

void ahead_of_stream_snapshot(case_context& c) {
    reserve_changes(c, 2);  // A's insert and its cleanup
    const left_stream s = follow_then_leave(c);
    check_peer& b = c.connect("B");
    const json r = resubscribe(c, b, s, stream_position{s.last.epoch, s.last.seq + 5}.since());
    check_not_recovered(r, s.sub, "with since.seq " + std::to_string(s.last.seq + 5) + " ahead of the stream (" + std::to_string(s.last.seq) + ")",
                        s.row, s.last.epoch, s.last.seq);
    b.sync();
    b.expect_none([&](const json& m) { return is_event_of(m, s.sub); }, "event after a snapshot of an idle stream", ms(0));
}

void missed_too_many_snapshot(case_context& c) {
    const double buffered = c.need_limit("replay_events");
    if (buffered > resume_max_overflow_events)
        skip("the replay buffer holds " + std::to_string(static_cast<long>(buffered)) + " events; overflowing it takes more than " +
             std::to_string(static_cast<long>(resume_max_overflow_events)) + " publishes");
    const auto missed = static_cast<std::uint64_t>(buffered) + 1;
    reserve_changes(c, static_cast<int>(missed) + 2);  // A's insert, the missed updates, the cleanup
    const left_stream s = follow_then_leave(c);
    std::vector<json> changes;
    for (std::uint64_t i = 1; i <= missed; ++i) changes.push_back(json{{"id", s.row["id"]}, {c.shape().vary_attr, "missed " + std::to_string(i)}});
    const json last = publish_burst(c, c.publisher(), "update", changes).back();
    check_peer& b = c.connect("B");
    const json r = resubscribe(c, b, s, s.last.since());
    check_not_recovered(r, s.sub, "that missed " + std::to_string(missed) + " events (the buffer holds " + std::to_string(missed - 1) + ")", last,
                        s.last.epoch, s.last.seq + missed);
    b.sync();
    b.expect_none([&](const json& m) { return is_event_of(m, s.sub); }, "replayed event after recovered:false", ms(0));
}

void sid_resume_keeps_sid(case_context& c) {
    c.need_feature("sid");
    reserve_changes(c, 3);  // A's insert, the missed update, the cleanup
    const json pane{{"sid", "pane"}};
    const left_stream s = follow_then_leave(c, pane);
    const json stored = c.update(c.publisher(), json{{"id", s.row["id"]}, {c.shape().vary_attr, "missed"}});
    check_peer& b = c.connect("B");
    const json r = resubscribe(c, b, s, s.last.since(), pane);
    check_recovered(r, s.last, s.last.epoch, s.last.seq + 1);
    if (r.value("sid", "") != "pane") fail("'subscribed' after a resume with sid pane does not echo it: " + r.dump());
    const json e = b.expect([&](const json& m) { return is_event_of(m, s.sub); }, "the replayed event");
    if (e.value("sid", "") != "pane") fail("the replayed event of a subscription with sid pane carries no sid pane: " + e.dump());
    check_event(e, s.sub, "update", s.last.epoch, s.last.seq + 1);
    check_same_row(e["data"], stored, "the replayed row");
}

}  // namespace

case_group resume_cases(int number) {
    return make_group(number, "resume", "Resume with since",
                      {
                          {"", "a resume inside the buffer: recovered:true, seq = the stream's latest, exactly the missed events in order, then live ones", "§8 Resuming with since", resume_replays_missed},
                          {"", "a replayed event is the frame that was sent live (same data, same ts)", "§5 event", replay_is_live_frame},
                          {"", "a resume that missed nothing: recovered:true, no event, then live events go on", "§8 Resuming with since", resume_nothing_missed},
                          {"", "a resume from another epoch: recovered:false, a fresh initial, the stream's current epoch and seq", "§8 Resuming with since", foreign_epoch_snapshot},
                          {"", "a resume with since.seq ahead of the stream: recovered:false with a fresh initial", "§8 Resuming with since", ahead_of_stream_snapshot},
                          {"", "a resume that missed more than the replay buffer holds: recovered:false with a fresh initial", "§8 The replay buffer", missed_too_many_snapshot},
                          {"", "a resume of a sid subscription: the replayed events carry its sid", "§5 event", sid_resume_keeps_sid},
                      });
}

}  // namespace rt::check
