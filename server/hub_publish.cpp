// One change, from `publish` to the subscribers: validate → apply the change → affected streams →
// commit (the seam) → fan out. docs/architecture.md follows one event through these steps.
#include "server/hub.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

proto::operation hub::event_op(spec::change c) {
    switch (c) {
        case spec::change::insert: return proto::operation::insert;
        case spec::change::remove: return proto::operation::remove;
        default: return proto::operation::update;
    }
}

result<json, protocol_error> hub::publish(const rights& who, const proto::publish_msg& m) {
    using R = result<json, protocol_error>;
    // Under the lock: the entity and every stream below belong to one spec, whatever a reload does.
    std::lock_guard<std::mutex> lock(mu_);
    const spec::app& cur_app = app();
    const spec::entity* ent = cur_app.find_entity(m.entity);
    if (!ent)
        return R(make_unexpected(protocol_error{error_code::bad_request, "no entity named '" + m.entity + "' in the spec"}));
    // Entity-level refusal before touching the store; the rows are checked below.
    if (auto d = authorize(who, cur_app, write_action{ent, nullptr, nullptr}); !d)
        return R(make_unexpected(std::move(d.error())));

    auto change = apply_publish(*ent, db_, rng_, m);
    if (!change) return R(make_unexpected(change.error()));
    const json* before = change->before_row();
    const json* after = change->after_row();
    // Row-level: the row before and after the change must both lie inside the token's scopes.
    if (auto d = authorize(who, cur_app, write_action{ent, before, after}); !d)
        return R(make_unexpected(std::move(d.error())));

    if (auto done = commit_and_fan_out(*ent, *change, affected_streams(*ent, *change)); !done)
        return R(make_unexpected(protocol_error{error_code::bad_request, "could not store the change: " + done.error()}));

    const json& row = after ? *after : *before;
    if (authorize(who, cur_app, read_row_action{ent, &row})) return row;
    return json{{"id", change->id}};  // a write-only token, or a row it may not read: the echo names the id only
}

std::vector<hub::affected> hub::affected_streams(const spec::entity& ent, const row_change& change) const {
    std::vector<affected> out;
    const json* before = change.before_row();
    const json* after = change.after_row();
    for (stream* st : index_.candidates(ent, before, after)) {
        spec::change ch = spec::view_change(app(), *st->sub, before, after, &st->filter);
        if (ch != spec::change::none) out.push_back({st, ch});
    }
    return out;
}

result<void, std::string> hub::commit_and_fan_out(const spec::entity& ent, const row_change& change,
                                                  const std::vector<affected>& streams) {
    const json* before = change.before_row();
    const json* after = change.after_row();
    std::int64_t ts = now_ms();
    // The row is serialized once, and each stream's event frame built once, for every subscriber.
    std::string before_json = before ? before->dump() : std::string();
    std::string after_json = after ? after->dump() : std::string();
    std::vector<store::stream_event> events;
    events.reserve(streams.size());
    for (const auto& p : streams) {
        // A row that leaves a stream (deleted, or no longer matching) is sent as it was BEFORE
        // the change: the stream's audience was entitled to that row, not to its new contents.
        const std::string& data = p.ch == spec::change::remove ? before_json : after_json;
        proto::stream_position pos{p.st->history.epoch(), p.st->history.next_seq()};
        events.push_back({p.st->key, pos.epoch, pos.seq, ts,
                          proto::encode_event(p.st->sub->name, event_op(p.ch), data, pos, ts)});
    }
    // Committed before any event is sent; nothing is sent for a change that was not stored.
    if (auto done = commit_.commit(change_record{ent.name, change.id, before, after, after_json, events}); !done)
        return done;
    metrics_.mutations++;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        stream& st = *streams[i].st;
        auto frame = std::make_shared<const std::string>(std::move(events[i].frame));
        st.history.append({events[i].seq, ts, frame});
        recount_idle_locked(st);
        metrics_.events_published++;
        fan_out_locked(st, frame);
        if (!st.throttled.empty())  // throttled subscribers get it coalesced, when their window closes
            feed_throttled_locked(st, event_op(streams[i].ch), change.id,
                                  streams[i].ch == spec::change::remove ? before_json : after_json, events[i].seq, ts);
    }
    evict_idle_locked();  // idle streams' replay buffers grew
    return {};
}

void hub::fan_out_locked(const stream& st, const frame_ptr& frame) {
    if (!st.subscribers.empty()) sink_.fan_out(frame, st.subscribers);
    for (const auto& [sid, conns] : st.sid_subscribers)
        sink_.fan_out(std::make_shared<const std::string>(proto::event_with_sid(*frame, sid)), conns);
}

}  // namespace rt::server
