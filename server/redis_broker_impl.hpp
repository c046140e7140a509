#pragma once
// Private to the Redis broker (server/redis_broker.hpp): included only by the redis_broker*.cpp
// files, which CMake compiles in one unity batch with the transport, so Asio and hiredis are
// parsed once. Everything in `impl` runs on the broker's own thread (its io_context); the public
// entry points (redis_broker.cpp) only post to it. The members are defined by role:
//   redis_broker.cpp             the public face: start (the thread), stop (flush, teardown), and
//                                commit, open_stream, sync, presence_set posted to the thread
//   redis_broker_connection.cpp  connecting, a link going down and the reconnect with backoff,
//                                the channel's replies, the periodic check (hung Redis, missed changes)
//   redis_broker_sync.cpp        hello, loading the rows, becoming ready, the resync on a lost history
//   redis_broker_order.cpp       change messages applied in G order, gap repair from `rt:log`, the
//                                waits for a change to be applied here
//   redis_broker_presence.cpp    the heartbeat, presence across nodes, the TTL refresh of held streams
//   redis_broker_commit.cpp      the commit script's call and verdicts, stream opens
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/backoff.hpp"
#include "server/hub.hpp"
#include "server/log.hpp"
#include "server/redis_broker.hpp"
#include "server/redis_link.hpp"
#include "server/redis_scripts.hpp"

namespace rt::server {

struct redis_broker::impl {
    // The position check, the heartbeat and hung-Redis detection run every second, or three times
    // per reply timeout when that is shorter (a heartbeat then outlives two missed ticks).
    static constexpr std::chrono::milliseconds k_max_tick{1000};
    static constexpr std::chrono::seconds k_touch_interval{60};  // refresh the TTL of held streams once a minute
    static constexpr std::size_t k_ring_changes = 4096;  // recent changes kept to bring a stream opened "in the past" up to date
    static constexpr std::size_t k_repair_batch = 1000;  // change-log entries read per gap repair request
    // Reconnect backoff: a restart of Redis is found within 2 s, and N nodes do not retry in step.
    static constexpr proto::backoff_policy k_reconnect_backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(2000)};
    static constexpr std::chrono::seconds k_flush_timeout{1};  // at shutdown: how long queued commands may take to reach Redis
    static constexpr int k_sync_timeouts = 10;  // reading every row may take 10 reply timeouts (a large data set)
    static constexpr const char* k_channel = "rt:changes";
    static constexpr const char* k_presence_channel = "rt:presence";

    // Reading hiredis's replies.
    static std::string rb_str(const redisReply* r) {
        if (!r) return {};
        if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
            return std::string(r->str, r->len);
        if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
        return {};
    }
    static std::uint64_t rb_u64(const redisReply* r) {
        if (!r) return 0;
        if (r->type == REDIS_REPLY_INTEGER) return r->integer < 0 ? 0 : static_cast<std::uint64_t>(r->integer);
        std::string s = rb_str(r);
        return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10);
    }
    static bool rb_array(const redisReply* r, std::size_t at_least) {
        return r && r->type == REDIS_REPLY_ARRAY && r->elements >= at_least;
    }
    // Why a reply is not what was asked for, for the log and the UNAVAILABLE message.
    static std::string rb_failure(const redisReply* r) {
        if (!r) return "the connection to Redis broke before it answered";
        if (r->type == REDIS_REPLY_ERROR) return "Redis answered: " + rb_str(r);
        return "Redis answered something unexpected";
    }
    static std::vector<std::string> rb_strings(const redisReply* r) {
        std::vector<std::string> out;
        if (r && r->type == REDIS_REPLY_ARRAY)
            for (std::size_t i = 0; i < r->elements; ++i) out.push_back(rb_str(r->element[i]));
        return out;
    }

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

    // Connection lifecycle and the periodic check (redis_broker_connection.cpp).
    void connect();
    void link_down(const std::string& why);
    void on_channel(const redisReply* r);
    void schedule_tick();
    void on_tick();

    // Getting in sync, and resyncing (redis_broker_sync.cpp).
    void hello(bool force);
    void load(const std::string& epoch, bool resync);
    void become_ready();
    void resync(const std::string& why);

    // The global order: applying changes, gap repair, waits (redis_broker_order.cpp).
    void on_message(std::string payload);
    void drain();
    void apply(const std::string& payload);
    void request_repair();
    void wait_applied(std::uint64_t g, std::function<void(bool)> fn);
    void run_waits();
    void fail_waits();

    // Heartbeat, presence across nodes, stream TTLs (redis_broker_presence.cpp).
    void heartbeat();
    void do_presence_set(const std::string& resource, const std::string& users);
    void read_presence(const std::string& resource);
    void touch();

    // Commits and stream opens (redis_broker_commit.cpp).
    void do_commit(commit_request& req, std::function<void(commit_outcome)>& done);
    void do_open(const std::string& key, const std::string& field);
    static std::vector<hub::registry_change> registry_log(const redisReply* entries);
    void opened(const std::string& key, const std::string& field, std::string epoch, std::uint64_t top, std::uint64_t at, std::vector<hub::history_item> items);
};

}  // namespace rt::server
