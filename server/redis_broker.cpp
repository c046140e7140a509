// The Redis broker: connection lifecycle, the global order of changes, commits and stream opens.
// Everything below `impl` runs on the broker's own thread (its io_context), except the public
// entry points, which only post to it.
#include "server/redis_broker.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <hiredis/hiredis.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "protocol/backoff.hpp"
#include "server/hub.hpp"
#include "server/log.hpp"
#include "server/redis_link.hpp"
#include "server/redis_scripts.hpp"

namespace rt::server {

namespace {

using namespace std::chrono_literals;

// The position check, the heartbeat and hung-Redis detection run every second, or three times per
// reply timeout when that is shorter (a heartbeat then outlives two missed ticks).
constexpr std::chrono::milliseconds k_max_tick = 1s;
constexpr auto k_touch_interval = 60s;      // refresh the TTL of held streams once a minute
constexpr std::size_t k_ring_changes = 4096; // recent changes kept to bring a stream opened "in the past" up to date
constexpr std::size_t k_repair_batch = 1000; // change-log entries read per gap repair request
// Reconnect backoff: a restart of Redis is found within 2 s, and N nodes do not retry in step.
constexpr proto::backoff_policy k_reconnect_backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(2000)};
constexpr auto k_flush_timeout = 1s;
constexpr int k_sync_timeouts = 10;         // reading every row may take 10 reply timeouts (a large data set)        // at shutdown: how long queued commands may take to reach Redis
const char* const k_channel = "rt:changes";
const char* const k_presence_channel = "rt:presence";

std::string rb_str(const redisReply* r) {
    if (!r) return {};
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
        return std::string(r->str, r->len);
    if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
    return {};
}
std::uint64_t rb_u64(const redisReply* r) {
    if (!r) return 0;
    if (r->type == REDIS_REPLY_INTEGER) return r->integer < 0 ? 0 : static_cast<std::uint64_t>(r->integer);
    std::string s = rb_str(r);
    return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10);
}
bool rb_array(const redisReply* r, std::size_t at_least) {
    return r && r->type == REDIS_REPLY_ARRAY && r->elements >= at_least;
}
// Why a reply is not what was asked for, for the log and the UNAVAILABLE message.
std::string rb_failure(const redisReply* r) {
    if (!r) return "the connection to Redis broke before it answered";
    if (r->type == REDIS_REPLY_ERROR) return "Redis answered: " + rb_str(r);
    return "Redis answered something unexpected";
}
std::vector<std::string> rb_strings(const redisReply* r) {
    std::vector<std::string> out;
    if (r && r->type == REDIS_REPLY_ARRAY)
        for (std::size_t i = 0; i < r->elements; ++i) out.push_back(rb_str(r->element[i]));
    return out;
}

}  // namespace

struct redis_broker::impl {
    impl(broker_settings s, const spec::app& a, hub& hb, metrics& mt)
        : cfg(std::move(s)), app(a), h(hb), m(mt), rng(std::random_device{}()),
          backoff(k_reconnect_backoff, rng()) {
        node_id = new_epoch();
    }

    broker_settings cfg;
    const spec::app& app;
    hub& h;
    metrics& m;
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread;
    asio::steady_timer tick_timer{io}, retry_timer{io};
    std::unique_ptr<redis_link> cmd, sub;
    int links_up = 0;
    enum class phase { down, connecting, syncing, ready } ph = phase::down;
    std::atomic<bool> up{false};
    bool stopping = false;
    std::mt19937_64 rng;
    proto::backoff backoff;

    std::string log_epoch;     // the data set this node follows ("" before the first load)
    std::uint64_t applied = 0; // G of the last change applied here
    std::map<std::uint64_t, std::string> early;  // change messages ahead of applied + 1
    bool repairing = false;
    std::multimap<std::uint64_t, std::function<void(bool)>> waits;  // run once applied >= key (false: given up)
    std::deque<std::shared_ptr<const change_message>> ring;       // the last changes applied, oldest first
    bool probe_outstanding = false;
    std::chrono::steady_clock::time_point probe_sent;
    std::chrono::steady_clock::time_point phase_since;  // when connecting began (or syncing)
    std::chrono::steady_clock::time_point last_touch = std::chrono::steady_clock::now();
    std::string node_id;          // this node's name in the presence keys (random per process)
    bool heartbeat_seen = false;  // a heartbeat has been stored once

    // start() waits on these.
    std::mutex start_mu;
    std::condition_variable start_cv;
    bool start_done = false;
    std::string start_error;

    std::string new_epoch() {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
        return buf;
    }

    void finish_start(const std::string& error) {
        std::lock_guard<std::mutex> lock(start_mu);
        if (start_done) return;
        start_done = true;
        start_error = error;
        start_cv.notify_all();
    }

    void set_up(bool v) {
        up = v;
        m.broker_up = v ? 1 : 0;
    }

    // --- connection lifecycle

    void connect() {
        if (stopping) return;
        ph = phase::connecting;
        phase_since = std::chrono::steady_clock::now();
        links_up = 0;
        auto ready = [this] {
            if (++links_up == 2) sub->subscribe({k_channel, k_presence_channel}, [this](const redisReply* r) { on_channel(r); });
        };
        auto down = [this](const std::string& why) { link_down(why); };
        cmd = std::make_unique<redis_link>(io, cfg.url.host, cfg.url.port, cfg.url.db, ready, down);
        sub = std::make_unique<redis_link>(io, cfg.url.host, cfg.url.port, cfg.url.db, ready, down);
        std::string error;
        if (!cmd->connect(error) || !sub->connect(error)) link_down("cannot connect: " + error);
    }

    void link_down(const std::string& why) {
        if (ph == phase::down) return;
        bool was_ready = ph == phase::ready;
        ph = phase::down;
        set_up(false);
        repairing = false;
        probe_outstanding = false;
        early.clear();
        // Never destroyed inside their own callbacks (this may be one): posted.
        asio::post(io, [c = std::move(cmd), s = std::move(sub)]() mutable {
            c.reset();
            s.reset();
        });
        fail_waits();
        std::string where = proto::to_string(cfg.url);
        if (log_epoch.empty()) {  // never in sync: start-up fails
            finish_start(where + ": " + why);
            return;
        }
        if (was_ready)
            log_line(log_level::error, "broker " + where + ": " + why +
                                           "; changes answer UNAVAILABLE until it is back (reconnecting)");
        if (stopping) return;
        auto delay = backoff.next();
        retry_timer.expires_after(delay);
        retry_timer.async_wait([this](const std::error_code& ec) {
            if (ec || stopping) return;
            m.broker_reconnects++;
            connect();
        });
    }

    // The channel's replies: the subscription's confirmation (then the node syncs), then messages.
    void on_channel(const redisReply* r) {
        if (!rb_array(r, 3)) return;  // nullptr: the link went down (link_down says so)
        std::string kind = rb_str(r->element[0]);
        std::string channel = rb_str(r->element[1]);
        if (kind == "subscribe" && channel == k_channel) return hello(false);
        if (kind != "message") return;
        if (channel == k_channel) on_message(rb_str(r->element[2]));
        else if (channel == k_presence_channel) read_presence(rb_str(r->element[2]));
    }

    // Learns the data set's epoch and counter and the key sets in use; then loads the rows (first
    // time, or Redis lost its data: `force`) or catches up from the change log.
    void hello(bool force) {
        ph = phase::syncing;
        phase_since = std::chrono::steady_clock::now();
        cmd->command({"EVAL", redis_scripts::hello, "0", new_epoch()}, [this, force](const redisReply* r) {
            if (!rb_array(r, 4)) return link_down("hello: " + rb_failure(r));
            std::string epoch = rb_str(r->element[0]);
            std::uint64_t g = rb_u64(r->element[1]);
            h.set_keysets(rb_str(r->element[2]), rb_strings(r->element[3]));
            bool lost = !log_epoch.empty() && (epoch != log_epoch || g < applied);
            if (log_epoch.empty() || lost || force) return load(epoch, !log_epoch.empty());
            log_line(log_level::info, "broker " + proto::to_string(cfg.url) + ": back, catching up from change " +
                                          std::to_string(applied) + " to " + std::to_string(g));
            become_ready();
        });
    }

    void load(const std::string& epoch, bool resync) {
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

    void become_ready() {
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
    void resync(const std::string& why) {
        if (ph != phase::ready) return;  // already syncing (or down: the reconnect syncs)
        log_line(log_level::warn, "broker: " + why + "; resyncing");
        early.clear();
        repairing = false;
        hello(true);
    }

    // --- the global order

    void on_message(std::string payload) {
        auto order = change_message_order(payload);
        if (!order) {
            log_line(log_level::error, "broker: a message on " + std::string(k_channel) + " is not a change message; ignored");
            return;
        }
        if (ph == phase::down) return;
        if (ph != phase::ready) {  // syncing: kept until the load says where this node stands
            early.emplace(order->first, std::move(payload));
            return;
        }
        if (order->second != log_epoch) return resync("a change of another data set (" + order->second + ") arrived");
        if (order->first <= applied) return;
        early.emplace(order->first, std::move(payload));
        drain();
        if (!early.empty()) request_repair();  // a change is missing before the ones held
    }

    // Applies the held messages that come next in order.
    void drain() {
        while (!early.empty() && ph == phase::ready) {
            auto it = early.begin();
            if (it->first > applied + 1) break;
            std::string payload = std::move(it->second);
            early.erase(it);
            if (auto order = change_message_order(payload); order && order->first == applied + 1 && order->second == log_epoch)
                apply(payload);
        }
    }

    void apply(const std::string& payload) {
        auto msg = decode_change_message(payload);
        if (!msg) {
            // Written by our own commit script: a node of another version. Loud, and skipped.
            log_line(log_level::error, "broker: " + msg.error() + "; change " + std::to_string(applied + 1) + " skipped");
            ++applied;
            run_waits();
            return;
        }
        auto shared = std::make_shared<const change_message>(std::move(*msg));
        h.apply_change(*shared);
        applied = shared->g;
        ring.push_back(std::move(shared));
        if (ring.size() > k_ring_changes) ring.pop_front();
        run_waits();
    }

    // Reads the change log from applied + 1 on: changes this node did not receive on the channel.
    void request_repair() {
        if (repairing || ph != phase::ready) return;
        repairing = true;
        cmd->command({"XRANGE", "rt:log", std::to_string(applied + 1) + "-1", "+", "COUNT", std::to_string(k_repair_batch)},
                     [this](const redisReply* r) {
                         if (!repairing) return;  // the link went down meanwhile
                         repairing = false;
                         if (!r || r->type != REDIS_REPLY_ARRAY) return link_down("change log: " + rb_failure(r));
                         std::size_t applied_here = 0;
                         for (std::size_t i = 0; i < r->elements; ++i) {
                             const redisReply* e = r->element[i];
                             if (!rb_array(e, 2) || !rb_array(e->element[1], 2)) continue;
                             std::uint64_t g = rb_u64(e->element[0]);  // "G-1": strtoull stops at '-'
                             if (g <= applied) continue;
                             if (g != applied + 1)
                                 return resync("the change log no longer holds change " + std::to_string(applied + 1));
                             apply(rb_str(e->element[1]->element[1]));
                             ++applied_here;
                         }
                         if (applied_here) m.broker_repairs += applied_here;
                         drain();
                         if (r->elements == k_repair_batch || !early.empty()) request_repair();
                     });
    }

    void wait_applied(std::uint64_t g, std::function<void(bool)> fn) {
        if (applied >= g) return fn(true);
        waits.emplace(g, std::move(fn));
    }
    void run_waits() {
        while (!waits.empty() && waits.begin()->first <= applied) {
            auto fn = std::move(waits.begin()->second);
            waits.erase(waits.begin());
            fn(true);
        }
    }
    void fail_waits() {
        auto pending = std::move(waits);
        waits.clear();
        for (auto& [g, fn] : pending) fn(false);
    }

    // --- the periodic check

    void schedule_tick() {
        tick_timer.expires_after(std::min(k_max_tick, cfg.reply_timeout / 3));
        tick_timer.async_wait([this](const std::error_code& ec) {
            if (ec || stopping) return;
            on_tick();
            schedule_tick();
        });
    }

    void on_tick() {
        if (ph == phase::connecting || ph == phase::syncing) {
            // A connection that opened but never answers (a cut network, a hung Redis) is retried.
            // Syncing reads every row: it gets k_sync_timeouts times as long.
            auto limit = cfg.reply_timeout * (ph == phase::syncing ? k_sync_timeouts : 1);
            if (std::chrono::steady_clock::now() - phase_since > limit)
                link_down("no answer within " + std::to_string(limit.count()) + " ms while " +
                          (ph == phase::syncing ? "reading the rows" : "connecting"));
            return;
        }
        if (ph != phase::ready) return;
        if (probe_outstanding) {
            if (std::chrono::steady_clock::now() - probe_sent > cfg.reply_timeout)
                link_down("no reply for " + std::to_string(cfg.reply_timeout.count()) + " ms");
            return;
        }
        probe_outstanding = true;
        probe_sent = std::chrono::steady_clock::now();
        cmd->command({"MGET", "rt:g", "rt:log:epoch"}, [this](const redisReply* r) {
            if (!probe_outstanding) return;
            probe_outstanding = false;
            if (!rb_array(r, 2)) return;  // the link is down (link_down says why)
            std::string epoch = rb_str(r->element[1]);
            if (epoch != log_epoch) return resync("Redis's data set changed (" + (epoch.empty() ? std::string("none") : epoch) + ")");
            if (rb_u64(r->element[0]) > applied) request_repair();
        });
        if (std::chrono::steady_clock::now() - last_touch > k_touch_interval) {
            last_touch = std::chrono::steady_clock::now();
            touch();
        }
        heartbeat();
    }

    // --- presence across nodes

    void heartbeat() {
        cmd->command({"EVAL", redis_scripts::heartbeat, "0", node_id, std::to_string(cfg.reply_timeout.count())},
                     [this](const redisReply* r) {
                         if (!rb_array(r, 2)) return;
                         if (rb_u64(r->element[1]) > 0)
                             log_line(log_level::info, "broker: " + std::to_string(rb_u64(r->element[1])) +
                                                           " node(s) stopped their heartbeat; their presence members are removed");
                         if (rb_u64(r->element[0]) == 0 && heartbeat_seen) {
                             log_line(log_level::warn, "broker: this node was taken for dead (no heartbeat for " +
                                                           std::to_string(cfg.reply_timeout.count()) + " ms); announcing its presence again");
                             h.republish_presence();
                         }
                         heartbeat_seen = true;
                     });
    }

    void do_presence_set(const std::string& resource, const std::string& users) {
        if (ph != phase::ready) return;  // announced again by become_ready
        cmd->command({"EVAL", redis_scripts::presence_set, "0", node_id, resource, users,
                      std::to_string(cfg.reply_timeout.count())},
                     [](const redisReply*) {});
    }

    // A resource's users changed on some node: every node's list, merged (a user once, sorted by id).
    void read_presence(const std::string& resource) {
        if (ph != phase::ready) return;
        cmd->command({"HGETALL", "rt:p:" + resource}, [this, resource](const redisReply* r) {
            if (!r || r->type != REDIS_REPLY_ARRAY) return;
            auto flat = rb_strings(r);
            std::map<std::string, std::string> by_node;  // sorted: every node merges in the same order
            for (std::size_t k = 0; k + 1 < flat.size(); k += 2) by_node[flat[k]] = flat[k + 1];
            std::map<std::string, json> users;
            for (const auto& [node, text] : by_node) {
                json list = json::parse(text, nullptr, false);
                if (!list.is_array()) continue;
                for (const auto& u : list)
                    if (u.is_object() && u.contains("id") && u["id"].is_string())
                        users.emplace(u["id"].get<std::string>(), u.value("meta", json::object()));
            }
            std::vector<proto::presence_user> out;
            for (auto& [id, meta] : users) out.push_back({id, std::move(meta)});
            h.presence_state(resource, std::move(out));
        });
    }

    void touch() {
        std::vector<std::string> args{"EVAL", redis_scripts::touch, "0", std::to_string(cfg.stream_ttl.count())};
        for (auto& k : h.stream_keys()) args.push_back(std::move(k));
        if (args.size() == 4) return;
        cmd->command(args, [this](const redisReply* r) {
            if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;
            log_line(log_level::warn, "broker: " + std::to_string(r->elements) + " stream(s) held here expired in Redis; reopening");
            h.reopen_streams(true);
        });
    }

    // --- commits and opens

    void do_commit(commit_request& req, std::function<void(commit_outcome)>& done) {
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
            if (verdict == "registry" && r->elements >= 3) {
                h.set_keysets(rb_str(r->element[1]), rb_strings(r->element[2]));
                return done({commit_status::registry, {}});
            }
            if (verdict == "reset") {
                resync("Redis holds another data set than this node follows");
                return done({commit_status::unavailable, "Redis lost its data; this node is reloading"});
            }
            done({commit_status::unavailable, "Redis answered something unexpected"});
        });
    }

    void do_open(const std::string& key, const std::string& field) {
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
    void opened(const std::string& key, const std::string& field, std::string epoch, std::uint64_t top, std::uint64_t at,
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
};

redis_broker::redis_broker(broker_settings s, const spec::app& app, hub& h, metrics& m)
    : impl_(std::make_unique<impl>(std::move(s), app, h, m)) {}

redis_broker::~redis_broker() { stop(); }

result<void, std::string> redis_broker::start(std::chrono::milliseconds timeout) {
    impl& b = *impl_;
    b.m.broker_up = 0;
    b.thread = std::thread([&b] {
        for (;;) {
            try {
                b.io.run();
                return;
            } catch (const std::exception& e) {
                log_line(log_level::error, std::string("broker: a handler failed: ") + e.what());
            }
        }
    });
    asio::post(b.io, [&b] {
        b.connect();
        b.schedule_tick();
    });
    std::unique_lock<std::mutex> lock(b.start_mu);
    if (!b.start_cv.wait_for(lock, timeout, [&b] { return b.start_done; }))
        return make_unexpected(proto::to_string(b.cfg.url) + ": no answer within " + std::to_string(timeout.count()) + " ms");
    if (!b.start_error.empty()) return make_unexpected(b.start_error);
    return {};
}

void redis_broker::stop() {
    impl& b = *impl_;
    if (!b.thread.joinable()) return;
    asio::post(b.io, [&b] {
        auto teardown = [&b] {
            if (b.stopping) return;
            b.stopping = true;
            b.tick_timer.cancel();
            b.retry_timer.cancel();
            b.cmd.reset();  // pending commits answer UNAVAILABLE
            b.sub.reset();
            b.fail_waits();
            b.set_up(false);
            b.work.reset();  // the loop ends once the links' last handlers have run
        };
        if (b.ph != impl::phase::ready) return teardown();
        // What the closing connections queued (their presence leaving) reaches Redis first: a
        // PING answered means every command before it ran. At most k_flush_timeout.
        b.retry_timer.expires_after(k_flush_timeout);
        b.retry_timer.async_wait([teardown](const std::error_code& ec) {
            if (!ec) teardown();
        });
        b.cmd->command({"PING"}, [&b, teardown](const redisReply*) { asio::post(b.io, teardown); });
    });
    b.thread.join();
}

void redis_broker::commit(commit_request req, std::function<void(commit_outcome)> done) {
    asio::post(impl_->io, [this, req = std::move(req), done = std::move(done)]() mutable { impl_->do_commit(req, done); });
}

void redis_broker::open_stream(const std::string& stream_key, const std::string& keyset_field) {
    asio::post(impl_->io, [this, stream_key, keyset_field] { impl_->do_open(stream_key, keyset_field); });
}

void redis_broker::sync(std::function<void(bool)> done) {
    asio::post(impl_->io, [this, done = std::move(done)]() mutable {
        impl& b = *impl_;
        if (b.ph != impl::phase::ready) return done(false);
        b.cmd->command({"GET", "rt:g"}, [&b, done = std::move(done)](const redisReply* r) mutable {
            if (!r || r->type == REDIS_REPLY_ERROR) return done(false);
            b.wait_applied(rb_u64(r), std::move(done));
            if (b.applied < rb_u64(r)) b.request_repair();  // do not wait for the channel
        });
    });
}

void redis_broker::presence_set(const std::string& resource, std::string users_json) {
    asio::post(impl_->io, [this, resource, users = std::move(users_json)] { impl_->do_presence_set(resource, users); });
}

bool redis_broker::available() const { return impl_->up; }

}  // namespace rt::server
