// The Redis broker getting in sync: hello (the data set's epoch and counter), loading every row,
// becoming ready, and the resync when Redis holds another history than this node applied (an
// emptied Redis, a new log epoch, a log trimmed past this node).
// Runs on the broker's thread; the class is in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {

// Learns the data set's epoch and counter and the registry (key sets and pattern streams in use);
// then loads the rows (first time, or Redis lost its data: `force`) or catches up from the change log.
void redis_broker::impl::hello(bool force) {
    ph = phase::syncing;
    phase_since = std::chrono::steady_clock::now();
    cmd->command({"EVAL", redis_scripts::hello, "0", new_epoch()}, [this, force](const redisReply* r) {
        if (!rb_array(r, 5)) return link_down("hello: " + rb_failure(r));
        std::string epoch = rb_str(r->element[0]);
        std::uint64_t g = rb_u64(r->element[1]);
        h.set_keysets(rb_str(r->element[2]), rb_strings(r->element[3]), rb_strings(r->element[4]));
        bool lost = !log_epoch.empty() && (epoch != log_epoch || g < applied);
        if (log_epoch.empty() || lost || force) return load(epoch, !log_epoch.empty());
        log_line(log_level::info, "broker " + proto::to_string(cfg.url) + ": back, catching up from change " +
                                      std::to_string(applied) + " to " + std::to_string(g));
        become_ready();
    });
}

void redis_broker::impl::load(const std::string& epoch, bool resync) {
    std::vector<std::string> args{"EVAL", redis_scripts::load, "0"};
    for (const auto& e : app.entities) args.push_back(e.name);
    cmd->command(args, [this, epoch, resync](const redisReply* r) {
        if (!rb_array(r, 1 + 2 * app.entities.size())) return link_down("load: " + rb_failure(r));
        std::map<std::string, std::map<std::string, json>> rows;
        std::map<std::string, std::map<std::string, std::uint64_t>> versions;
        std::size_t count = 0;
        for (std::size_t i = 0; i < app.entities.size(); ++i) {
            const std::string& ent = app.entities[i].name;
            auto flat = rb_strings(r->element[1 + 2 * i]);
            for (std::size_t k = 0; k + 1 < flat.size(); k += 2) {
                json row = json::parse(flat[k + 1], nullptr, false);
                if (row.is_object()) rows[ent][flat[k]] = std::move(row), ++count;
            }
            auto vers = rb_strings(r->element[2 + 2 * i]);
            for (std::size_t k = 0; k + 1 < vers.size(); k += 2)
                versions[ent][vers[k]] = std::strtoull(vers[k + 1].c_str(), nullptr, 10);
        }
        h.load_rows(rows, versions);
        applied = rb_u64(r->element[0]);
        log_epoch = epoch;
        ring.clear();
        if (resync) {
            fail_waits();
            log_line(log_level::warn, "broker " + proto::to_string(cfg.url) + ": Redis lost history (data set " + epoch +
                                          ", change " + std::to_string(applied) + "): reloaded " +
                                          std::to_string(count) + " rows; this node's streams get new epochs");
            h.reopen_streams(true);
            m.broker_resyncs++;  // once the reopens are queued: a change made after it finds its stream
        } else {
            log_line(log_level::info, "broker " + proto::to_string(cfg.url) + ": in sync at change " +
                                          std::to_string(applied) + " (" + std::to_string(count) + " rows)");
        }
        become_ready();
    });
}

void redis_broker::impl::become_ready() {
    ph = phase::ready;
    backoff.reset();
    set_up(true);
    finish_start({});
    h.republish_presence();  // Redis may have lost this node's users (or never had them)
    heartbeat_seen = false;  // so the next heartbeat, maybe the first in a new data set, is not taken for a reaping
    h.reopen_streams(false); // streams whose opening failed while Redis was away
    drain();
    request_repair();  // whatever was committed while this node was away
}

// Redis holds another history than this node applied (an emptied Redis, a log trimmed past
// this node): reload and reopen.
void redis_broker::impl::resync(const std::string& why) {
    if (ph != phase::ready) return;  // already syncing (or down: the reconnect syncs)
    log_line(log_level::warn, "broker: " + why + "; resyncing");
    early.clear();
    repairing = false;
    hello(true);
}

}  // namespace rt::server
