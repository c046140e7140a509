// The hub with a shared store (rt serve --broker): publishes committed through the change bus,
// changes applied in the global order, streams opened in Redis before their first subscriber.
// docs/architecture.md, "Several nodes", follows one change through these steps.
#include "server/hub.hpp"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

#include "protocol/filter_term.hpp"
#include "protocol/stream_key.hpp"
#include "server/log.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

namespace {

// A change that keeps meeting other nodes' changes to the same row is given up after this many
// tries (each one waits until this node has caught up with the change that beat it).
constexpr int k_max_commit_attempts = 16;
// A change computed while the registry moved (a key set or a set or pattern stream registered on
// some node) is computed again with the new one; a burst of new set or pattern subscriptions moves
// it many times in a row, and each try costs only a round trip, so more tries are allowed.
constexpr int k_max_registry_attempts = 64;

}  // namespace

std::string keyset_field(const std::string& subscription, const std::vector<std::string>& keys) {
    return subscription + '\x1f' + json(keys).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool pattern_stream(const json& canonical_filter) { return !spec::equalities_only(canonical_filter); }

bool pattern_stream_key(const std::string& stream_key) {
    auto parts = proto::split_stream_key(stream_key);
    return parts && pattern_stream(parts->filter);
}

std::string registry_field(const std::string& subscription, const json& canonical_filter) {
    if (pattern_stream(canonical_filter)) return {};
    std::vector<std::string> keys;
    for (auto f = canonical_filter.begin(); f != canonical_filter.end(); ++f) keys.push_back(f.key());
    return keyset_field(subscription, keys);
}

struct hub::publish_job {
    rights who;
    proto::publish_msg msg;
    publish_done done;
    const spec::entity* ent = nullptr;
    int attempts = 0;           // conflicts met
    int registry_attempts = 0;  // registry moves met
    bool synced = false;  // caught up with Redis once after NOT_FOUND
};

void hub::publish_shared(const rights& who, const proto::publish_msg& m, publish_done done) {
    const spec::entity* ent = app().find_entity(m.entity);
    if (!ent) return done(make_unexpected(protocol_error{error_code::bad_request, "no entity named '" + m.entity + "' in the spec"}));
    if (auto d = authorize(who, app(), write_action{ent, nullptr, nullptr}); !d) return done(make_unexpected(std::move(d.error())));
    publish_attempt(std::make_shared<publish_job>(publish_job{who, m, std::move(done), ent, 0}));
}

void hub::publish_attempt(const std::shared_ptr<publish_job>& job) {
    commit_request req;
    json echo;
    {
        std::lock_guard<std::mutex> lock(mu_);
        // Computed against this node's replica; the commit checks the row's version, so a replica
        // behind Redis only costs a retry.
        auto change = apply_publish(*job->ent, db_, rng_, job->msg);
        if (!change && change.error().code == error_code::not_found && !job->synced) {
            // The row may exist already, made on another node a moment ago (a client that wrote
            // there and now writes here): catch up with Redis once, then decide.
            job->synced = true;
            bus_->sync([this, job](bool ok) {
                if (ok) return publish_attempt(job);
                job->done(make_unexpected(protocol_error{error_code::unavailable, "Redis (--broker) is not reachable"}));
            });
            return;
        }
        if (!change) return job->done(make_unexpected(change.error()));
        const json* before = change->before_row();
        const json* after = change->after_row();
        if (auto d = authorize(job->who, app(), write_action{job->ent, before, after}); !d)
            return job->done(make_unexpected(std::move(d.error())));
        req.entity = job->ent->name;
        req.id = change->id;
        auto ent_versions = versions_.find(req.entity);
        if (ent_versions != versions_.end())
            if (auto v = ent_versions->second.find(req.id); v != ent_versions->second.end()) req.expected_version = v->second;
        req.keysets_version = keysets_version_;
        req.before_json = before ? before->dump() : std::string();
        req.after_json = after ? after->dump() : std::string();
        req.ts_ms = now_ms();
        req.slots = shared_slots(*job->ent, *change);
        const json& row = after ? *after : *before;
        echo = authorize(job->who, app(), read_row_action{job->ent, &row}) ? row : json{{"id", change->id}};
    }
    bus_->commit(std::move(req), [this, job, echo = std::move(echo)](commit_outcome o) {
        switch (o.status) {
            case commit_status::ok:
                metrics_.mutations++;
                return job->done(echo);
            case commit_status::conflict:
                if (++job->attempts < k_max_commit_attempts) return publish_attempt(job);
                return job->done(make_unexpected(protocol_error{
                    error_code::unavailable, "the change met " + std::to_string(job->attempts) +
                                                 " concurrent changes of the same row on other nodes; try again"}));
            case commit_status::registry:
                if (++job->registry_attempts < k_max_registry_attempts) return publish_attempt(job);
                return job->done(make_unexpected(protocol_error{
                    error_code::unavailable, "the streams in use changed " + std::to_string(job->registry_attempts) +
                                                 " times while the change was computed (new subscriptions on other nodes); try again"}));
            case commit_status::unavailable:
                return job->done(make_unexpected(protocol_error{error_code::unavailable, "not stored: " + o.message}));
        }
    });
}

std::vector<change_slot> hub::shared_slots(const spec::entity& ent, const row_change& change) const {
    std::vector<change_slot> out;
    const json* before = change.before_row();
    const json* after = change.after_row();
    for (const auto& sub : app().subscriptions) {
        if (sub.entity != ent.name) continue;
        auto sets = keysets_.find(sub.name);
        if (sets == keysets_.end()) continue;
        for (const auto& keys : sets->second) {
            std::string first_key;
            for (const json* row : {before, after}) {
                if (!row) continue;
                json filter = project_row(ent, *row, keys);
                std::string key = proto::stream_key(sub.name, filter);
                if (key == first_key) continue;  // the row stays in the same stream: one event
                first_key = key;
                spec::change ch = spec::view_change(app(), sub, before, after, &filter);
                if (ch != spec::change::none) out.push_back({std::move(key), event_op(ch)});
            }
        }
    }
    // Set and pattern streams cannot be derived from the row: the registered ones it matches,
    // before or after, found through their index (one lookup per key group, or per prefix).
    for (stream* st : shared_index_.candidates(ent, before, after)) {
        spec::change ch = spec::view_change(app(), *st->sub, before, after, &st->filter);
        if (ch != spec::change::none) out.push_back({st->key, event_op(ch)});
    }
    return out;
}

void hub::load_rows(const std::map<std::string, std::map<std::string, json>>& rows,
                    const std::map<std::string, std::map<std::string, std::uint64_t>>& versions) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& ent : app().entities) {
        static const std::map<std::string, json> none;
        auto have = rows.find(ent.name);
        const auto& want = have == rows.end() ? none : have->second;
        std::vector<std::string> gone;
        for (const auto& [id, row] : db_.rows(ent.name))
            if (!want.count(id)) gone.push_back(id);
        for (const auto& id : gone) (void)db_.commit(ent.name, id, nullptr, {}, {}, 0);
        for (const auto& [id, row] : want) (void)db_.commit(ent.name, id, &row, row.dump(), {}, 0);
    }
    versions_.clear();
    for (const auto& [ent, ids] : versions)
        for (const auto& [id, g] : ids) versions_[ent][id] = g;
}

void hub::apply_change(const change_message& m) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!app().find_entity(m.entity)) {
        log_line(log_level::error, "change " + std::to_string(m.g) + " names entity '" + log_text(m.entity) +
                                       "', which this node's spec lacks: the nodes must run the same spec");
        return;
    }
    const json* after = m.after ? &*m.after : nullptr;
    if (auto done = db_.commit(m.entity, m.id, after, m.after_json, {}, 0); !done)
        log_line(log_level::error, "change " + std::to_string(m.g) + ": the replica did not take it: " + done.error());
    if (after) versions_[m.entity][m.id] = m.g;
    else if (auto v = versions_.find(m.entity); v != versions_.end()) v->second.erase(m.id);

    for (std::size_t i = 0; i < m.slots.size(); ++i) {
        if (!m.assigned[i].present) continue;
        auto it = streams_.find(m.slots[i].stream_key);
        if (it == streams_.end() || !it->second->opened) continue;
        stream& st = *it->second;
        const proto::stream_position& pos = m.assigned[i].pos;
        if (pos.epoch == st.history.epoch() && pos.seq <= st.history.top_seq()) continue;  // had it already
        if (pos.epoch != st.history.epoch() || pos.seq != st.history.next_seq()) {
            // The stream was recreated in Redis (a new epoch), or events are missing here: the
            // history restarts at this event, so no resume can cross the hole; subscribers see
            // the epoch change or the seq jump and resync or resume.
            log_line(log_level::warn, "stream " + log_text(proto::stream_label(st.key)) + ": event " + pos.epoch + ":" +
                                          std::to_string(pos.seq) + " after " + st.history.epoch() + ":" +
                                          std::to_string(st.history.top_seq()) + "; its history restarts here");
            st.history = proto::stream_history(pos.epoch, pos.seq - 1, cfg_.replay);
        }
        auto frame = std::make_shared<const std::string>(
            proto::encode_event(st.sub->name, m.slots[i].op, m.data_of(i), pos, m.ts_ms));
        st.history.append({pos.seq, m.ts_ms, frame});
        recount_idle_locked(st);
        metrics_.events_published++;
        fan_out_locked(st, frame);
        if (!st.throttled.empty())  // throttled subscribers get it coalesced (hub_throttle.cpp)
            feed_throttled_locked(st, m.slots[i].op, m.id, m.data_of(i), pos.seq, m.ts_ms);
    }
    evict_idle_locked();
}

void hub::stream_opened(const std::string& key, const std::string& epoch, std::uint64_t top,
                        const std::vector<history_item>& items, std::size_t live_from) {
    std::lock_guard<std::mutex> lock(mu_);
    opening op;
    if (auto o = opening_.find(key); o != opening_.end()) {
        op = std::move(o->second);
        opening_.erase(o);
    }
    auto it = streams_.find(key);
    const spec::subscription* sub = it != streams_.end() ? it->second->sub : op.sub;
    if (!sub) return;  // nobody asked (cannot happen: opens come from subscribe or reopen_streams)
    std::vector<proto::replay_entry> entries;
    entries.reserve(items.size());
    for (const auto& e : items)
        entries.push_back({e.seq, e.ts_ms, std::make_shared<const std::string>(proto::encode_event(
                                               sub->name, e.op, e.data, proto::stream_position{epoch, e.seq}, e.ts_ms))});
    auto history = proto::stream_history::restore(epoch, top, std::move(entries), cfg_.replay);
    history.prune(now_ms());
    stream* st;
    if (it == streams_.end()) {
        auto made = std::make_unique<stream>(stream{key, sub, op.filter, {}, std::move(history), {}, {}, now_ms()});
        for (auto f = op.filter.begin(); f != op.filter.end(); ++f) made->filter_keys.push_back(f.key());
        st = made.get();
        index_.add(*st);
        streams_.emplace(key, std::move(made));
        mark_idle_locked(*st, now_ms());
    } else {
        st = it->second.get();
        st->history = std::move(history);
        recount_idle_locked(*st);
        const auto& kept = st->history.events();
        for (std::size_t i = live_from; i < items.size(); ++i) {
            auto e = std::find_if(kept.begin(), kept.end(), [&](const proto::replay_entry& r) { return r.seq == items[i].seq; });
            if (e != kept.end()) fan_out_locked(*st, e->frame);
        }
    }
    st->opened = true;
    for (auto& p : op.waiting) {
        auto c = p.conn.lock();
        if (!c) continue;
        if (auto r = subscribe_locked(*c, p.id, p.msg, *sub, st->filter); !r) {
            metrics_.bad_requests++;
            sink_.send_to(*c, std::make_shared<const std::string>(proto::encode_error(p.id, r.error().code, r.error().message)));
        }
        resume_requests_locked(*c, conn_context::subscription_key(p.msg.subscription, p.msg.sid));
    }
    evict_idle_locked();
}

void hub::stream_open_failed(const std::string& key, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    auto o = opening_.find(key);
    if (o == opening_.end()) return;
    opening op = std::move(o->second);
    opening_.erase(o);
    for (auto& p : op.waiting) {
        auto c = p.conn.lock();
        if (!c || c->gone) continue;
        metrics_.bad_requests++;
        sink_.send_to(*c, std::make_shared<const std::string>(proto::encode_error(
                              p.id, error_code::unavailable, "the stream could not be opened in the shared store: " + why)));
        resume_requests_locked(*c, conn_context::subscription_key(p.msg.subscription, p.msg.sid));
    }
}

void hub::resume_requests_locked(conn_context& c, const std::string& key) {
    auto w = c.waiting_requests.find(key);
    if (w == c.waiting_requests.end()) return;
    auto queue = std::move(w->second);
    c.waiting_requests.erase(w);
    for (std::size_t i = 0; i < queue.size(); ++i) {
        auto& r = queue[i];
        result<void, protocol_error> out;
        if (r.unsubscribe) {
            out = unsubscribe_locked(c, r.id, r.unsub);
        } else {
            const spec::subscription* sub = app().find_subscription(r.sub.subscription);  // checked when it came
            out = sub ? subscribe_checked_locked(c, r.id, r.sub, *sub) : result<void, protocol_error>();
        }
        if (!out) {
            metrics_.bad_requests++;
            sink_.send_to(c, std::make_shared<const std::string>(proto::encode_error(r.id, out.error().code, out.error().message)));
        }
        if (auto again = c.waiting_requests.find(key); again != c.waiting_requests.end()) {  // waits again: the rest behind it
            for (std::size_t k = i + 1; k < queue.size(); ++k) again->second.push_back(std::move(queue[k]));
            return;
        }
    }
}

void hub::set_keysets(const std::string& version, const std::vector<std::string>& fields,
                      const std::vector<std::string>& pattern_keys) {
    std::lock_guard<std::mutex> lock(mu_);
    keysets_version_ = version;
    keysets_.clear();
    for (const auto& f : fields) add_keyset_locked(f);
    // The pattern streams no longer registered are unfiled, the new ones filed, the rest kept.
    const std::unordered_set<std::string> registered(pattern_keys.begin(), pattern_keys.end());
    for (auto it = shared_patterns_.begin(); it != shared_patterns_.end();) {
        if (registered.count(it->first)) {
            ++it;
            continue;
        }
        shared_index_.remove(*it->second);
        it = shared_patterns_.erase(it);
    }
    for (const auto& key : pattern_keys) add_pattern_locked(key);
}

void hub::update_registry(const std::string& version, const std::vector<registry_change>& changes) {
    std::lock_guard<std::mutex> lock(mu_);
    char* end = nullptr;
    const std::uint64_t have = std::strtoull(keysets_version_.c_str(), &end, 10);
    if (keysets_version_.empty() || *end != '\0') return;  // "?": nothing to continue from
    if (changes.empty() || changes.front().version > have + 1) return;
    for (const auto& c : changes) {
        if (c.version <= have) continue;
        if (c.kind == 'k') add_keyset_locked(c.text);
        else if (c.kind == '+') add_pattern_locked(c.text);
        else if (c.kind == '-') remove_pattern_locked(c.text);
    }
    if (changes.back().version > have) keysets_version_ = version;
}

void hub::add_keyset_locked(const std::string& field) {
    auto sep = field.find('\x1f');
    if (sep == std::string::npos) return;
    json keys = json::parse(field.substr(sep + 1), nullptr, false);
    if (!keys.is_array()) return;
    std::vector<std::string> k;
    for (const auto& v : keys)
        if (v.is_string()) k.push_back(v.get<std::string>());
    keysets_[field.substr(0, sep)].insert(std::move(k));
}

void hub::add_pattern_locked(const std::string& key) {
    if (shared_patterns_.count(key)) return;
    auto parts = proto::split_stream_key(key);
    const spec::subscription* sub = parts ? app().find_subscription(parts->subscription) : nullptr;
    // Every node runs the same spec, so this is another spec's stream: say so, and skip it.
    if (!sub || !spec::validate_filter(app(), *sub, parts->filter) || !pattern_stream(parts->filter)) {
        log_line(log_level::error, "broker: registered stream " + log_text(proto::stream_label(key)) +
                                       " is not a set or pattern stream of this node's spec: the nodes must run the same spec");
        return;
    }
    auto st = std::make_unique<stream>(stream{key, sub, parts->filter, {}, proto::stream_history({}, 0, cfg_.replay), {}, {}, 0});
    shared_index_.add(*st);
    shared_patterns_.emplace(key, std::move(st));
}

void hub::remove_pattern_locked(const std::string& key) {
    auto it = shared_patterns_.find(key);
    if (it == shared_patterns_.end()) return;
    shared_index_.remove(*it->second);
    shared_patterns_.erase(it);
}

void hub::reopen_streams(bool all) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, st] : streams_) {
        if (!all && (st->opened || opening_.count(key))) continue;
        st->opened = false;
        // A fresh local epoch until Redis gives the stream its own: no `since` can match meanwhile.
        st->history = proto::stream_history(proto::random_epoch(rng_), 0, cfg_.replay);
        recount_idle_locked(*st);
        auto [slot, first] = opening_.try_emplace(key);
        if (!first) continue;  // already being opened
        slot->second.sub = st->sub;
        slot->second.filter = st->filter;
        bus_->open_stream(key, registry_field(st->sub->name, st->filter));
    }
}

void hub::announce_presence_locked(const std::string& resource) {
    json users = json::array();
    for (const auto& u : presence_.users(resource)) users.push_back({{"id", u.id}, {"meta", u.meta}});
    bus_->presence_set(resource, users.empty() ? std::string() : users.dump(-1, ' ', false, json::error_handler_t::replace));
}

void hub::presence_state(const std::string& resource, std::vector<proto::presence_user> users) {
    std::lock_guard<std::mutex> lock(mu_);
    auto members = presence_.members(resource);
    if (members.empty()) {
        shared_presence_.erase(resource);  // nobody here watches it
        return;
    }
    shared_presence_[resource] = std::move(users);
    sink_.fan_out(presence_frame(resource), members);
}

void hub::republish_presence() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : presence_.resources()) announce_presence_locked(r);
}

std::vector<std::string> hub::stream_keys() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    out.reserve(streams_.size());
    for (const auto& [key, st] : streams_)
        if (st->opened) out.push_back(key);
    return out;
}

}  // namespace rt::server
