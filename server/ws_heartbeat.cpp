// The heartbeat scheduler: pings spread over the interval in slices, the pong timeout, pongs that
// keep presence alive, and the once-a-second sweep (idle streams, change budgets, presence expiry,
// expired JWTs).
#include <algorithm>

#include "protocol/close_codes.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

void ws_server::schedule_sweep() {
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return fail(ec, "sweep timer");
        guarded("sweep timer", {}, [this] {
            std::int64_t now = wall_ms();
            state_.hub.sweep(now);
            state_.mutations.sweep(steady::now());
            state_.hub.expire_presence(now, cfg_.presence_timeout.count());
            if (state_.access.jwt_enabled()) close_expired_tokens(now);
        });
        schedule_sweep();
    });
}

// Connections whose JWT expired (exp + leeway) without a `refresh` are closed with 4002: within a
// second of the expiry, the sweep's period.
void ws_server::close_expired_tokens(std::int64_t now_ms) {
    for (auto& hdl : state_.access.expired(open_connections(), now_ms)) {
        std::shared_ptr<conn_context> ctx;
        {
            std::lock_guard<std::mutex> lock(conns_mu_);
            auto key = hdl.lock();
            auto it = conns_.find(key.get());
            if (it == conns_.end()) continue;  // closed meanwhile
            ctx = it->second;
        }
        std::lock_guard<std::mutex> lock(ctx->out_mu);
        if (ctx->close_requested) continue;
        state_.metrics.token_expiries++;
        log_line(log_level::info, "conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + ": JWT expired, closing " +
                                      std::to_string(proto::close_code::token_expired));
        post_close_locked(*ctx, proto::close_code::token_expired, "token expired");
    }
}

std::uint64_t ws_server::ping_slices() const {
    // Each connection is pinged once per interval, in slices spread over it (a slice every 100 ms),
    // so 10k pings and pongs never land in one burst: pinging 500 connections at once measurably
    // delayed events (boards p99 28 ms with bursts vs 3 ms without).
    const auto tick = std::chrono::milliseconds(100);
    return std::max<std::uint64_t>(1, cfg_.ping_interval / tick);
}

void ws_server::schedule_ping() {
    const std::uint64_t slices = ping_slices();
    ping_timer_.expires_after(cfg_.ping_interval / slices);
    ping_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return fail(ec, "ping timer");
        guarded("ping timer", {}, [&] { ping_slice(); });
        schedule_ping();
    });
}

// A connection joins the slice of its id when it opens (add_to_ping_slice, under conns_mu_), so a
// slice's tick touches only its own connections rather than walking all of them; a connection
// that has closed is dropped from its slice at the slice's next tick.
void ws_server::add_to_ping_slice_locked(const conn_context& c) {
    if (ping_buckets_.empty()) ping_buckets_.resize(ping_slices());
    ping_buckets_[c.id % ping_buckets_.size()].push_back(c.handle);
}

// Pings the connections of the next slice. A connection that closes meanwhile is skipped.
void ws_server::ping_slice() {
    std::vector<std::weak_ptr<void>> hdls;
    {
        std::lock_guard<std::mutex> lock(conns_mu_);
        if (ping_buckets_.empty()) return;
        auto& bucket = ping_buckets_[ping_slice_++ % ping_buckets_.size()];
        bucket.erase(std::remove_if(bucket.begin(), bucket.end(), [](const std::weak_ptr<void>& h) { return h.expired(); }),
                     bucket.end());
        hdls = bucket;
    }
    for (auto& h : hdls) {
        std::error_code ec;
        ep_.ping(h, "", ec);
        if (ec) fail(ec, "ping");
    }
}

void ws_server::on_pong(websocketpp::connection_hdl hdl) {
    // Only presence members need the hub lock; c.presence changes only in this connection's handlers.
    if (auto ctx = find(hdl); ctx && !ctx->presence.empty()) state_.hub.touch_presence(*ctx, wall_ms());
}

void ws_server::on_pong_timeout(websocketpp::connection_hdl hdl) {
    auto ctx = find(hdl);
    // Closed meanwhile (the peer closed while our ping was in flight): not a dead peer.
    if (!ctx) return;
    state_.metrics.heartbeat_timeouts++;
    log_line(log_level::info, "conn " + std::to_string(ctx->id) + " user=" + log_text(ctx->who.user) + ": no pong, closing");
    connection_ptr con = connection(hdl, "pong timeout");
    if (!con) return;
    // The peer is gone: don't wait for a close handshake it will never answer.
    std::error_code ec;
    con->terminate(ec);
    if (ec) fail(ec, "terminate");
}

}  // namespace rt::server
