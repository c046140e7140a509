#include "server/hub.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <set>

#include "protocol/stream_key.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

namespace {

protocol_error perr(error_code c, std::string msg) { return protocol_error{c, std::move(msg)}; }

// Values compared by equality are normalized to their attribute's type, so a filter {"priority":3}
// and a row {"priority":3.0} land on the same index key.
json normalize(const spec::entity& e, const std::string& attr, const json& v) {
    const spec::attribute* a = e.find(attr);
    if (!a || !v.is_number()) return v;
    if (a->type.kind == spec::attr_kind::integer) return json(v.get<std::int64_t>());
    if (a->type.kind == spec::attr_kind::floating) return json(v.get<double>());
    return v;
}

// The canonical filter a row belongs to for a key set, or nullopt when the row lacks a key.
std::optional<std::string> project(const spec::entity& e, const json& row, const std::vector<std::string>& keys) {
    json o = json::object();
    for (const auto& k : keys) {
        auto it = row.find(k);
        // A missing attribute is null, as in filter_matches: a {"assignee":null} stream gets the unset rows.
        o[k] = it == row.end() || it->is_null() ? json(nullptr) : normalize(e, k, *it);
    }
    return o.dump();
}

proto::operation to_op(spec::change c) {
    switch (c) {
        case spec::change::insert: return proto::operation::insert;
        case spec::change::remove: return proto::operation::remove;
        default: return proto::operation::update;
    }
}

}  // namespace

hub::hub(const spec::app& app, store& db, hub_config cfg, metrics& m, delivery_sink& sink)
    : app_(app), db_(db), cfg_(cfg), metrics_(m), sink_(sink), rng_(std::random_device{}()) {
    // Recreate persisted streams (durable store only), idle from now: their subscribers may resume.
    std::int64_t now = now_ms();
    for (auto& s : db_.load_streams()) {
        auto sep = s.key.find('\x1f');
        if (sep == std::string::npos) continue;
        const spec::subscription* sub = app_.find_subscription(s.key.substr(0, sep));
        json filter = json::parse(s.key.substr(sep + 1), nullptr, false);
        if (!sub || filter.is_discarded() || !filter.is_object()) continue;
        auto st = std::make_unique<stream>(stream{s.key, sub, filter, {}, proto::stream_history(s.epoch, 0, cfg_.replay), {}, {}, now});
        // Events persisted before a gap (trimmed) are skipped: the history starts after them.
        std::uint64_t top = 0;
        std::vector<proto::replay_entry> entries;
        for (auto& ev : s.events) {
            if (!entries.empty() && ev.seq != entries.back().seq + 1) entries.clear();
            entries.push_back({ev.seq, ev.ts_ms, std::make_shared<const std::string>(std::move(ev.frame))});
        }
        top = entries.empty() ? s.top_seq : entries.front().seq - 1;
        st->history = proto::stream_history(s.epoch, top, cfg_.replay);
        for (auto& e : entries) st->history.append(std::move(e));
        if (st->history.top_seq() != s.top_seq) st->history = proto::stream_history(s.epoch, s.top_seq, cfg_.replay);
        for (auto it = filter.begin(); it != filter.end(); ++it) st->filter_keys.push_back(it.key());
        stream* raw = st.get();
        index_[sub->name][raw->filter_keys][filter.dump()] = raw;
        streams_.emplace(s.key, std::move(st));
        mark_idle_locked(*raw, now);
    }
    // A database from a server with larger caps (or none) may hold more than these allow.
    evict_idle_locked();
}

std::int64_t hub::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

json hub::canonical_filter(const spec::subscription& s, const json& filter) const {
    json out = json::object();
    const spec::entity* e = app_.find_entity(s.entity);
    if (!filter.is_object() || !e) return out;
    for (auto it = filter.begin(); it != filter.end(); ++it) out[it.key()] = normalize(*e, it.key(), it.value());
    return out;
}

stream& hub::stream_for(const spec::subscription& s, const json& canonical) {
    std::string key = proto::stream_key(s.name, canonical);
    auto it = streams_.find(key);
    if (it != streams_.end()) return *it->second;
    auto st = std::make_unique<stream>(
        stream{key, &s, canonical, {}, proto::stream_history(proto::random_epoch(rng_), 0, cfg_.replay), {}, {}, now_ms()});
    for (auto f = canonical.begin(); f != canonical.end(); ++f) st->filter_keys.push_back(f.key());
    stream* raw = st.get();
    index_[s.name][raw->filter_keys][canonical.dump()] = raw;
    db_.save_stream(key, raw->history.epoch(), 0);
    streams_.emplace(key, std::move(st));
    return *raw;
}

json hub::snapshot(const stream& st) const {
    json rows = json::array();
    const spec::expr* pred = app_.predicate_of(*st.sub);
    auto matches = [&](const json& row) {
        return (!pred || spec::eval_where(*pred, row)) && spec::filter_matches(st.filter, row);
    };
    if (st.sub->kind == spec::subscription_kind::by_id) {
        auto id = st.filter.find("id");
        if (id != st.filter.end() && id->is_string())
            if (const json* row = db_.find(st.sub->entity, id->get<std::string>()); row && matches(*row))
                rows.push_back(*row);
        return rows;
    }
    for (const auto& [id, row] : db_.rows(st.sub->entity))
        if (matches(row)) rows.push_back(row);
    return rows;
}

void hub::remove_subscriber(stream& st, conn_context& c, const std::string& sid, std::int64_t now) {
    auto drop = [&](std::vector<conn_context*>& subs) {
        auto it = std::find(subs.begin(), subs.end(), &c);
        if (it != subs.end()) {
            *it = subs.back();
            subs.pop_back();
        }
    };
    if (sid.empty()) {
        drop(st.subscribers);
    } else if (auto g = st.sid_subscribers.find(sid); g != st.sid_subscribers.end()) {
        drop(g->second);
        if (g->second.empty()) st.sid_subscribers.erase(g);
    }
    if (st.idle()) mark_idle_locked(st, now);
}

namespace {
// What an idle stream is counted for besides its replay buffer: its key is held three times (the
// streams_ key, the stream, the index's canonical filter) plus the parsed filter; the rest is the
// stream object and its map nodes.
constexpr std::size_t k_stream_overhead_bytes = 512;
std::size_t idle_cost_of(const stream& st) {
    return 4 * st.key.size() + k_stream_overhead_bytes + st.history.buffered_bytes();
}
}  // namespace

void hub::mark_idle_locked(stream& st, std::int64_t now) {
    st.idle_since_ms = now;
    if (st.listed_idle) return;
    st.idle_at = idle_.insert(idle_.end(), &st);
    st.listed_idle = true;
    st.idle_cost = idle_cost_of(st);
    idle_bytes_ += st.idle_cost;
}

void hub::mark_busy_locked(stream& st) {
    if (!st.listed_idle) return;
    idle_.erase(st.idle_at);
    st.listed_idle = false;
    idle_bytes_ -= st.idle_cost;
    st.idle_cost = 0;
}

void hub::recount_idle_locked(stream& st) {
    if (!st.listed_idle) return;
    idle_bytes_ -= st.idle_cost;
    st.idle_cost = idle_cost_of(st);
    idle_bytes_ += st.idle_cost;
}

void hub::evict_idle_locked() {
    while (!idle_.empty() && (idle_.size() > cfg_.max_idle_streams || idle_bytes_ > cfg_.max_idle_stream_bytes)) {
        drop_stream_locked(streams_.find(idle_.front()->key));
        metrics_.streams_evicted++;
    }
}

std::unordered_map<std::string, std::unique_ptr<stream>>::iterator hub::drop_stream_locked(
    std::unordered_map<std::string, std::unique_ptr<stream>>::iterator it) {
    assert(it != streams_.end());
    stream& st = *it->second;
    assert(st.idle());  // a connection's subscriptions point at it otherwise
    mark_busy_locked(st);
    auto idx = index_.find(st.sub->name);
    if (idx != index_.end()) {
        auto ks = idx->second.find(st.filter_keys);
        if (ks != idx->second.end()) {
            ks->second.erase(st.filter.dump());
            if (ks->second.empty()) idx->second.erase(ks);
        }
    }
    db_.forget_stream(st.key);
    return streams_.erase(it);
}

std::optional<protocol_error> hub::subscribe(conn_context& c, const json& id, const proto::subscribe_msg& m) {
    const spec::subscription* sub = app_.find_subscription(m.subscription);
    if (!sub) return perr(error_code::unknown_subscription, "no subscription named '" + m.subscription + "' in the spec");
    // Every distinct filter is a stream kept after its last subscriber leaves: its size is bounded
    // before anything else looks at it.
    if (std::size_t n = m.filter.dump(-1, ' ', false, json::error_handler_t::replace).size(); n > cfg_.max_filter_bytes)
        return perr(error_code::invalid_filter, "the filter is " + std::to_string(n) + " bytes of JSON; at most " +
                                                    std::to_string(cfg_.max_filter_bytes) + " are allowed (--max-filter)");
    // The stream (its snapshot, replay and every later event) lies inside what the token may
    // read: the one check covers all three.
    if (auto d = authorize(c.who, app_, subscribe_action{sub, &m.filter}); !d) return perr(d.code, d.reason);
    if (auto e = spec::validate_filter(app_, *sub, m.filter)) return perr(error_code::invalid_filter, *e);

    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t now = now_ms();
    const std::string key = conn_context::subscription_key(sub->name, m.sid);
    auto existing = c.subscriptions.find(key);
    if (existing == c.subscriptions.end() && c.subscriptions.size() >= static_cast<std::size_t>(cfg_.max_subscriptions))
        return perr(error_code::too_many_subscriptions,
                    "a connection may hold at most " + std::to_string(cfg_.max_subscriptions) +
                        " subscriptions (give each its own sid to hold several of one name)");
    if (existing != c.subscriptions.end()) {  // resubscribing replaces the old filter/position
        remove_subscriber(*existing->second.st, c, existing->second.sid, now);
        c.subscriptions.erase(existing);
    }
    stream& st = stream_for(*sub, canonical_filter(*sub, m.filter));
    mark_busy_locked(st);
    st.history.prune(now);

    proto::subscribed_msg reply;
    reply.subscription = sub->name;
    reply.sid = m.sid;
    std::optional<std::vector<proto::replay_entry>> missed;
    if (m.since) missed = st.history.missed_since(*m.since, now);
    reply.position = st.history.position();
    reply.recovered = missed.has_value();
    if (!reply.recovered) reply.initial = snapshot(st);
    if (m.since) (reply.recovered ? metrics_.resumes_recovered : metrics_.resumes_resynced)++;

    // Not subscribed after all (refused, or the connection is closing): the stream may be idle again.
    auto give_up = [&] {
        if (st.idle()) mark_idle_locked(st, now);
        evict_idle_locked();
    };
    const auto frame = std::make_shared<const std::string>(proto::encode_subscribed(id, reply));
    switch (sink_.send_to(c, frame)) {
        case send_status::too_large:
            give_up();
            return perr(error_code::too_large,
                        "the subscribed reply of '" + sub->name + "' (" + std::to_string(reply.initial.size()) +
                            " rows, " + std::to_string(frame->size()) +
                            " bytes) is larger than this connection's output limit; subscribe with a narrower filter");
        case send_status::closing:
            give_up();
            return std::nullopt;
        case send_status::sent:
        case send_status::dropped:
            break;
    }
    if (missed) {
        for (const auto& e : *missed) {
            auto s = sink_.send_to(c, m.sid.empty() ? e.frame : std::make_shared<const std::string>(proto::event_with_sid(*e.frame, m.sid)));
            if (s == send_status::closing) {
                give_up();
                return std::nullopt;
            }
            // An event over the limit alone (not possible under --max-frame) is skipped: the
            // client sees the gap by its seq, as for a dropped event.
        }
        metrics_.replayed_events += missed->size();
    }
    if (m.sid.empty()) st.subscribers.push_back(&c);
    else st.sid_subscribers[m.sid].push_back(&c);
    c.subscriptions[key] = conn_subscription{&st, m.sid};
    evict_idle_locked();  // the subscription this one replaced may have left its stream idle
    return std::nullopt;
}

std::optional<protocol_error> hub::unsubscribe(conn_context& c, const json& id, const proto::unsubscribe_msg& m) {
    if (!m.subscription.empty() && !app_.find_subscription(m.subscription))
        return perr(error_code::unknown_subscription, "no subscription named '" + m.subscription + "' in the spec");
    std::lock_guard<std::mutex> lock(mu_);
    std::string name = m.subscription;
    auto it = c.subscriptions.find(conn_context::subscription_key(m.subscription, m.sid));
    if (it != c.subscriptions.end()) {
        if (!m.subscription.empty() && it->second.st->sub->name != m.subscription)
            return perr(error_code::bad_request, "sid '" + m.sid + "' is a subscription to '" + it->second.st->sub->name +
                                                     "', not '" + m.subscription + "'");
        name = it->second.st->sub->name;
        remove_subscriber(*it->second.st, c, it->second.sid, now_ms());
        c.subscriptions.erase(it);
        evict_idle_locked();
    }
    sink_.send_to(c, std::make_shared<const std::string>(proto::encode_unsubscribed(id, name, m.sid)));
    return std::nullopt;
}

result<json, protocol_error> hub::publish(const rights& who, const proto::publish_msg& m) {
    using R = result<json, protocol_error>;
    const spec::entity* ent = app_.find_entity(m.entity);
    if (!ent) return R(make_unexpected(perr(error_code::bad_request, "no entity named '" + m.entity + "' in the spec")));
    // Entity-level refusal before touching the store; the rows are checked below.
    if (auto d = authorize(who, app_, write_action{ent, nullptr, nullptr}); !d) return R(make_unexpected(perr(d.code, d.reason)));

    std::lock_guard<std::mutex> lock(mu_);
    std::optional<json> before, after;
    std::string id;
    if (m.op == proto::operation::insert) {
        if (auto e = spec::validate_row(*ent, m.data, spec::row_mode::full))
            return R(make_unexpected(perr(error_code::bad_request, "data." + e->field + ": " + e->message)));
        auto given = m.data.find("id");
        if (given != m.data.end()) {
            id = given->get<std::string>();
            if (id.empty()) return R(make_unexpected(perr(error_code::bad_request, "data.id: must not be empty")));
            if (db_.find(ent->name, id))
                return R(make_unexpected(perr(error_code::bad_request,
                                               ent->name + " '" + id + "' already exists (use update)")));
        } else {
            do {
                char buf[20];
                std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(rng_() & 0xffffffffffffULL));
                id = buf;
            } while (db_.find(ent->name, id));
        }
        after = m.data;
        (*after)["id"] = id;
    } else {
        id = m.data.at("id").get<std::string>();  // decode_client guarantees a string id
        const json* cur = db_.find(ent->name, id);
        if (!cur) return R(make_unexpected(perr(error_code::not_found, ent->name + " '" + id + "' does not exist")));
        before = *cur;
        if (m.op == proto::operation::update) {
            if (auto e = spec::validate_row(*ent, m.data, spec::row_mode::patch))
                return R(make_unexpected(perr(error_code::bad_request, "data." + e->field + ": " + e->message)));
            after = *cur;
            for (auto it = m.data.begin(); it != m.data.end(); ++it) (*after)[it.key()] = it.value();
        }
    }
    // Row-level: the row before and after the change must both lie inside the token's scopes.
    if (auto d = authorize(who, app_, write_action{ent, before ? &*before : nullptr, after ? &*after : nullptr}); !d)
        return R(make_unexpected(perr(d.code, d.reason)));

    // Which streams see this change: per subscription on the entity, look up the streams the row
    // belonged to before and belongs to after, for each filter key set in use.
    struct pending {
        stream* st;
        spec::change ch;
    };
    std::vector<pending> changes;
    const json* b = before ? &*before : nullptr;
    const json* a = after ? &*after : nullptr;
    for (const auto& sub : app_.subscriptions) {
        if (sub.entity != ent->name) continue;
        auto idx = index_.find(sub.name);
        if (idx == index_.end()) continue;
        for (const auto& [keys, by_filter] : idx->second) {
            std::set<stream*> candidates;
            for (const json* row : {b, a}) {
                if (!row) continue;
                if (auto k = project(*ent, *row, keys)) {
                    auto f = by_filter.find(*k);
                    if (f != by_filter.end()) candidates.insert(f->second);
                }
            }
            for (stream* st : candidates) {
                spec::change ch = spec::view_change(app_, sub, b, a, &st->filter);
                if (ch != spec::change::none) changes.push_back({st, ch});
            }
        }
    }

    std::int64_t ts = now_ms();
    std::string before_json = b ? b->dump() : std::string();
    std::string after_json = a ? a->dump() : std::string();
    std::vector<store::stream_event> events;
    events.reserve(changes.size());
    for (const auto& p : changes) {
        proto::operation op = to_op(p.ch);
        // A row that leaves a stream (deleted, or no longer matching) is sent as it was BEFORE
        // the change: the stream's audience was entitled to that row, not to its new contents.
        const std::string& data = p.ch == spec::change::remove ? before_json : after_json;
        proto::stream_position pos{p.st->history.epoch(), p.st->history.next_seq()};
        events.push_back({p.st->key, pos.epoch, pos.seq, ts,
                          proto::encode_event(p.st->sub->name, op, data, pos, ts)});
    }
    // Committed before any event is sent; nothing is sent for a change that was not stored.
    if (auto e = db_.commit(ent->name, id, a, after_json, events, cfg_.replay.max_events))
        return R(make_unexpected(perr(error_code::bad_request, "could not store the change: " + *e)));
    metrics_.mutations++;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        stream& st = *changes[i].st;
        auto frame = std::make_shared<const std::string>(std::move(events[i].frame));
        st.history.append({events[i].seq, ts, frame});
        recount_idle_locked(st);
        metrics_.events_published++;
        if (!st.subscribers.empty()) sink_.fan_out(frame, st.subscribers);
        for (const auto& [sid, conns] : st.sid_subscribers)
            sink_.fan_out(std::make_shared<const std::string>(proto::event_with_sid(*frame, sid)), conns);
    }
    evict_idle_locked();  // idle streams' replay buffers grew
    const json& row = a ? *a : *b;
    if (authorize(who, app_, read_row_action{ent, &row})) return row;
    return json{{"id", id}};  // a write-only token, or a row it may not read: the echo names the id only
}

std::optional<protocol_error> hub::presence(conn_context& c, const proto::presence_msg& m) {
    if (auto d = authorize(c.who, app_, presence_action_check{m.resource}); !d) return perr(d.code, d.reason);
    if (m.action == proto::presence_action::join) {
        // Every member receives the meta with every change of the list: it stays small.
        if (std::size_t n = m.meta.dump(-1, ' ', false, json::error_handler_t::replace).size(); n > cfg_.max_presence_meta_bytes)
            return perr(error_code::bad_request, "meta is " + std::to_string(n) + " bytes of JSON; at most " +
                                                     std::to_string(cfg_.max_presence_meta_bytes) +
                                                     " are allowed (--max-presence-meta)");
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t now = now_ms();
    if (m.action == proto::presence_action::join) {
        if (c.presence.count(m.resource) == 0 && c.presence.size() >= cfg_.max_presence_resources)
            return perr(error_code::too_many_subscriptions,
                        "a connection may be present on at most " + std::to_string(cfg_.max_presence_resources) +
                            " resources (--max-presence-resources); leave one first");
        bool changed = presence_.join(m.resource, &c, c.who.user, m.meta, now);
        c.presence.insert(m.resource);
        if (changed) broadcast_presence(m.resource);
        else sink_.send_to(c, presence_frame(m.resource));
    } else {
        bool changed = presence_.leave(m.resource, &c);
        c.presence.erase(m.resource);
        if (changed) broadcast_presence(m.resource);
        sink_.send_to(c, presence_frame(m.resource));
    }
    return std::nullopt;
}

frame_ptr hub::presence_frame(const std::string& resource) const {
    proto::presence_state_msg msg{resource, presence_.users(resource)};
    msg.count = msg.users.size();
    if (msg.users.size() > cfg_.max_presence_users) msg.users.resize(cfg_.max_presence_users);
    return std::make_shared<const std::string>(proto::encode_presence(msg));
}

void hub::broadcast_presence(const std::string& resource) {
    auto members = presence_.members(resource);
    if (members.empty()) return;
    sink_.fan_out(presence_frame(resource), members);
}

void hub::touch_presence(conn_context& c, std::int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    presence_.touch(&c, now);
}

void hub::disconnect(conn_context& c) {
    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t now = now_ms();
    for (auto& [key, s] : c.subscriptions) remove_subscriber(*s.st, c, s.sid, now);
    c.subscriptions.clear();
    evict_idle_locked();
    for (const auto& r : presence_.leave_all(&c)) broadcast_presence(r);
    c.presence.clear();
}

result<json, protocol_error> hub::get_row(const rights& who, const std::string& entity, const std::string& id) {
    using R = result<json, protocol_error>;
    const spec::entity* ent = app_.find_entity(entity);
    if (!ent) return R(make_unexpected(perr(error_code::not_found, "no entity named '" + entity + "'")));
    if (auto d = authorize(who, app_, read_entity_action{ent}); !d) return R(make_unexpected(perr(d.code, d.reason)));
    std::lock_guard<std::mutex> lock(mu_);
    const json* row = db_.find(entity, id);
    if (!row) return R(make_unexpected(perr(error_code::not_found, entity + " '" + id + "' does not exist")));
    if (auto d = authorize(who, app_, read_row_action{ent, row}); !d) return R(make_unexpected(perr(d.code, d.reason)));
    return *row;
}

result<row_page, protocol_error> hub::list_rows(const rights& who, const std::string& entity, const std::string& after,
                                                std::size_t limit, std::size_t max_bytes) {
    using R = result<row_page, protocol_error>;
    const spec::entity* ent = app_.find_entity(entity);
    if (!ent) return R(make_unexpected(perr(error_code::not_found, "no entity named '" + entity + "'")));
    if (auto d = authorize(who, app_, read_entity_action{ent}); !d) return R(make_unexpected(perr(d.code, d.reason)));
    std::lock_guard<std::mutex> lock(mu_);
    row_page page;
    std::size_t bytes = 0;
    const std::string* last_id = nullptr;
    const auto& rows = db_.rows(entity);
    for (auto it = after.empty() ? rows.begin() : rows.upper_bound(after); it != rows.end(); ++it) {
        if (!authorize(who, app_, read_row_action{ent, &it->second})) continue;
        std::size_t n = it->second.dump(-1, ' ', false, json::error_handler_t::replace).size() + 1;
        // A full page ends here, and says so only if a readable row follows (no empty last page).
        if (page.rows.size() >= limit || (!page.rows.empty() && bytes + n > max_bytes)) {
            page.next_after = *last_id;
            break;
        }
        bytes += n;
        last_id = &it->first;
        page.rows.push_back(it->second);
    }
    return page;
}

void hub::sweep(std::int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = streams_.begin(); it != streams_.end();) {
        stream& st = *it->second;
        st.history.prune(now);
        recount_idle_locked(st);
        if (st.idle() && now - st.idle_since_ms > cfg_.replay.max_age_ms) it = drop_stream_locked(it);
        else ++it;
    }
    evict_idle_locked();
}

void hub::expire_presence(std::int64_t now, std::int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : presence_.expire(now, timeout_ms)) broadcast_presence(r);
}

hub::stats hub::snapshot_stats() {
    std::lock_guard<std::mutex> lock(mu_);
    stats s;
    s.streams = streams_.size();
    s.idle_streams = idle_.size();
    s.idle_stream_bytes = idle_bytes_;
    for (const auto& sub : app_.subscriptions) s.subscribers_by_name[sub.name] = 0;
    for (const auto& [k, st] : streams_) {
        s.buffered_events += st->history.buffered();
        s.buffered_bytes += st->history.buffered_bytes();
        std::size_t n = st->subscribers.size();
        for (const auto& [sid, conns] : st->sid_subscribers) n += conns.size();
        s.subscribers_by_name[st->sub->name] += n;
    }
    return s;
}

}  // namespace rt::server
