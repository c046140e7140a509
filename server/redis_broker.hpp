#pragma once
// The shared store of rt serve --broker: Redis, reached through two redis_links (commands, and the
// change channel) driven by an Asio io_context on a thread of the broker's own, so no I/O thread
// ever waits for Redis. It keeps this node's replica in the global order of changes: every change
// message is applied in G order (a gap is repaired from the change log `rt:log` before anything
// after it), and a publish is answered once its own change is applied here (read-your-writes).
// Redis down: commits and opens answer UNAVAILABLE, /healthz turns unhealthy, and the links
// reconnect with bounded backoff; a Redis that comes back without its data (a new log epoch, or a
// counter that went back) makes the node reload the rows and reopen its streams under new epochs.
// docs/architecture.md ("Several nodes") and docs/operations.md ("Several nodes").
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "protocol/broker_url.hpp"
#include "protocol/result.hpp"
#include "protocol/spec.hpp"
#include "server/change_bus.hpp"
#include "server/metrics.hpp"

namespace rt::server {

class hub;

struct broker_settings {
    proto::broker_url url;
    std::uint32_t replay_events = 100;  // history kept per stream in Redis: the hub's replay buffer size
    // Changes kept in the global change log: a node that falls further behind reloads everything.
    // ~10 s of changes at 10,000/s; an entry is a few hundred bytes.
    std::uint32_t log_length = 100000;
    // A stream's epoch, top seq and history expire this long after their last event, unless a
    // node holding the stream refreshes them (every k_touch_interval): an hour outlives any outage
    // a client would resume across.
    std::chrono::seconds stream_ttl{3600};
    // A reply overdue by this much marks Redis down (a hung server looks like no server); a node's
    // heartbeat (refreshed every second, or every third of this when shorter) lives this long, so
    // the presence members of a node that died are removed within about this time.
    // (--broker-timeout; its default and reason are in server_config.hpp.)
    std::chrono::milliseconds reply_timeout{3000};
};

class redis_broker final : public change_bus {
public:
    redis_broker(broker_settings s, const spec::app& app, hub& h, metrics& m);
    ~redis_broker() override;  // stop()
    redis_broker(const redis_broker&) = delete;
    redis_broker& operator=(const redis_broker&) = delete;

    // Starts the broker's thread, connects, reads the rows. Blocks the caller (start-up, never an
    // I/O thread) until this node is in sync, or returns what failed: Redis unreachable, a reply
    // it did not understand, or no answer within `timeout`.
    result<void, std::string> start(std::chrono::milliseconds timeout);
    // Closes the links (pending commits answer UNAVAILABLE) and joins the thread. Idempotent.
    void stop();

    void commit(commit_request req, std::function<void(commit_outcome)> done) override;
    void open_stream(const std::string& stream_key, const std::string& keyset_field) override;
    void presence_set(const std::string& resource, std::string users_json) override;
    void sync(std::function<void(bool)> done) override;
    bool available() const override;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace rt::server
