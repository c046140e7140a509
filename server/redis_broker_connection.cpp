// The Redis broker's connection lifecycle: connecting both links, a link going down and the
// reconnect with backoff, the channel's replies, and the periodic check (hung-Redis detection,
// the position probe that finds missed changes; it also starts the TTL refresh and the heartbeat).
// Runs on the broker's thread; the class is in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {

void redis_broker::impl::connect() {
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

void redis_broker::impl::link_down(const std::string& why) {
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
void redis_broker::impl::on_channel(const redisReply* r) {
    if (!rb_array(r, 3)) return;  // nullptr: the link went down (link_down says so)
    std::string kind = rb_str(r->element[0]);
    std::string channel = rb_str(r->element[1]);
    if (kind == "subscribe" && channel == k_channel) return hello(false);
    if (kind != "message") return;
    if (channel == k_channel) on_message(rb_str(r->element[2]));
    else if (channel == k_presence_channel) read_presence(rb_str(r->element[2]));
}

void redis_broker::impl::schedule_tick() {
    tick_timer.expires_after(std::min(k_max_tick, cfg.reply_timeout / 3));
    tick_timer.async_wait([this](const std::error_code& ec) {
        if (ec || stopping) return;
        on_tick();
        schedule_tick();
    });
}

void redis_broker::impl::on_tick() {
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

}  // namespace rt::server
