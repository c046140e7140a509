// The hub with a shared store (rt serve --broker), its publishing side: publishes committed through
// the change bus (retried on conflicts and registry moves), the event slots of a change, and the
// changes applied in the global order. Streams opened in Redis: hub_shared_streams.cpp; the
// registry of key sets and set/pattern streams: hub_shared_registry.cpp. docs/architecture.md,
// "Several nodes", follows one change through these steps.
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

}  // namespace rt::server
