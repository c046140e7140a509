// The Redis broker's commit path and stream opens: the commit script's call and its verdicts (ok,
// conflict, a stale registry: its changes since, or all of it; a reset data set), and opening a
// stream as Redis holds it, brought up to this node's applied change from the recent ring.
// Runs on the broker's thread; the class is in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {

void redis_broker::impl::do_commit(commit_request& req, std::function<void(commit_outcome)>& done) {
    if (ph != phase::ready) return done({commit_status::unavailable, "Redis (--broker) is not reachable"});
    std::vector<std::string> args{"EVAL", redis_scripts::commit, "0", log_epoch, req.entity, req.id,
                                  std::to_string(req.expected_version), req.keysets_version, req.after_json,
                                  req.before_json, std::to_string(req.ts_ms),
                                  encode_change_body(req.entity, req.id, req.before_json, req.after_json, req.ts_ms, req.slots),
                                  std::to_string(cfg.replay_events), std::to_string(cfg.log_length),
                                  std::to_string(cfg.stream_ttl.count())};
    for (const auto& s : req.slots) {
        args.push_back(s.stream_key);
        args.emplace_back(proto::to_wire(s.op));
    }
    cmd->command(args, [this, done = std::move(done)](const redisReply* r) {
        if (!rb_array(r, 2)) {
            if (r) log_line(log_level::error, "broker: commit: " + rb_failure(r));
            return done({commit_status::unavailable, rb_failure(r) + (r ? "" : "; the change may or may not be stored")});
        }
        std::string verdict = rb_str(r->element[0]);
        if (verdict == "ok" || verdict == "conflict") {
            commit_status s = verdict == "ok" ? commit_status::ok : commit_status::conflict;
            if (s == commit_status::conflict) m.broker_conflicts++;
            return wait_applied(rb_u64(r->element[1]), [done, s](bool ok) {
                done(ok ? commit_outcome{s, {}}
                        : commit_outcome{commit_status::unavailable,
                                         "the connection to Redis broke before this node applied the change; it may be stored"});
            });
        }
        if (verdict == "registry" && r->elements >= 4) {
            const std::string form = rb_str(r->element[2]);
            if (form == "delta") h.update_registry(rb_str(r->element[1]), registry_log(r->element[3]));
            else if (form == "full" && r->elements >= 5)
                h.set_keysets(rb_str(r->element[1]), rb_strings(r->element[3]), rb_strings(r->element[4]));
            return done({commit_status::registry, {}});
        }
        if (verdict == "reset") {
            resync("Redis holds another data set than this node follows");
            return done({commit_status::unavailable, "Redis lost its data; this node is reloading"});
        }
        done({commit_status::unavailable, "Redis answered something unexpected"});
    });
}

// XRANGE entries of rt:reglog: {id "VERSION-1", {"k", kind, "f", text}} each.
std::vector<hub::registry_change> redis_broker::impl::registry_log(const redisReply* entries) {
    std::vector<hub::registry_change> out;
    for (std::size_t i = 0; entries && i < entries->elements; ++i) {
        const redisReply* e = entries->element[i];
        if (!rb_array(e, 2)) continue;
        hub::registry_change c;
        c.version = rb_u64(e->element[0]);  // strtoull stops at the '-'
        auto f = rb_strings(e->element[1]);
        for (std::size_t k = 0; k + 1 < f.size(); k += 2) {
            if (f[k] == "k" && f[k + 1].size() == 1) c.kind = f[k + 1][0];
            else if (f[k] == "f") c.text = f[k + 1];
        }
        out.push_back(std::move(c));
    }
    return out;
}

void redis_broker::impl::do_open(const std::string& key, const std::string& field) {
    if (ph != phase::ready) return h.stream_open_failed(key, "Redis (--broker) is not reachable");
    cmd->command({"EVAL", redis_scripts::open_stream, "0", log_epoch, key, field, new_epoch(),
                  std::to_string(cfg.stream_ttl.count())},
                 [this, key, field](const redisReply* r) {
                     if (!rb_array(r, 5) || rb_str(r->element[0]) != "ok") {
                         if (rb_array(r, 1) && rb_str(r->element[0]) == "reset") resync("Redis holds another data set");
                         return h.stream_open_failed(key, rb_failure(r));
                     }
                     std::string epoch = rb_str(r->element[1]);
                     std::uint64_t top = rb_u64(r->element[2]);
                     std::uint64_t at = rb_u64(r->element[3]);
                     std::vector<hub::history_item> items;
                     const redisReply* entries = r->element[4];
                     for (std::size_t i = 0; entries && i < entries->elements; ++i) {
                         const redisReply* e = entries->element[i];
                         if (!rb_array(e, 2)) continue;
                         hub::history_item it;
                         it.seq = rb_u64(e->element[0]);
                         auto f = rb_strings(e->element[1]);
                         for (std::size_t k = 0; k + 1 < f.size(); k += 2) {
                             if (f[k] == "o") it.op = proto::operation_from_wire(f[k + 1]).value_or(proto::operation::update);
                             else if (f[k] == "d") it.data = f[k + 1];
                             else if (f[k] == "t") it.ts_ms = std::strtoll(f[k + 1].c_str(), nullptr, 10);
                         }
                         items.push_back(std::move(it));
                     }
                     opened(key, field, std::move(epoch), top, at, std::move(items));
                 });
}

// The stream as Redis had it at change `at`; handed to the hub as of `applied`.
void redis_broker::impl::opened(const std::string& key, const std::string& field, std::string epoch, std::uint64_t top, std::uint64_t at,
            std::vector<hub::history_item> items) {
    if (applied < at) {
        return wait_applied(at, [this, key, field, epoch, top, at, items = std::move(items)](bool ok) mutable {
            if (!ok) return h.stream_open_failed(key, "the connection to Redis broke");
            opened(key, field, std::move(epoch), top, at, std::move(items));
        });
    }
    if (applied > at && (ring.empty() || ring.front()->g > at + 1)) return do_open(key, field);  // too far back: again
    std::size_t live_from = items.size();
    for (const auto& c : ring) {
        if (c->g <= at) continue;
        for (std::size_t i = 0; i < c->slots.size(); ++i) {
            if (!c->assigned[i].present || c->slots[i].stream_key != key) continue;
            const auto& pos = c->assigned[i].pos;
            if (pos.epoch != epoch) {
                epoch = pos.epoch;
                items.clear();
                live_from = 0;
            }
            items.push_back({pos.seq, c->slots[i].op, c->data_of(i), c->ts_ms});
            top = pos.seq;
        }
    }
    h.stream_opened(key, epoch, top, items, live_from);
}

}  // namespace rt::server
