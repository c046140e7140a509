// The lifetime of streams: subscribers leaving, idle streams kept for resume and reclaimed, the
// periodic sweep. Every function here runs under the hub lock.
#include "server/hub.hpp"

#include <algorithm>
#include <cassert>

namespace rt::server {

void hub::remove_subscriber(stream& st, conn_context& c, const conn_subscription& s, std::int64_t now) {
    auto drop = [&](std::vector<conn_context*>& subs) {
        auto it = std::find(subs.begin(), subs.end(), &c);
        if (it != subs.end()) {
            *it = subs.back();
            subs.pop_back();
        }
    };
    // A throttled subscription is in its group's lists, the others in the stream's.
    auto& subscribers = !s.tg ? st.subscribers : s.batch ? s.tg->batch_subscribers : s.tg->subscribers;
    auto& sid_subscribers = !s.tg ? st.sid_subscribers : s.batch ? s.tg->batch_sid_subscribers : s.tg->sid_subscribers;
    if (s.sid.empty()) {
        drop(subscribers);
    } else if (auto g = sid_subscribers.find(s.sid); g != sid_subscribers.end()) {
        drop(g->second);
        if (g->second.empty()) sid_subscribers.erase(g);
    }
    if (s.tg && s.tg->idle()) s.tg->idle_since_ms = now;
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
    drop_groups_locked(st);
    index_.remove(st);
    db_.forget_stream(st.key);
    return streams_.erase(it);
}

void hub::sweep(std::int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = streams_.begin(); it != streams_.end();) {
        stream& st = *it->second;
        st.history.prune(now);
        sweep_groups_locked(st, now);
        recount_idle_locked(st);
        if (st.idle() && now - st.idle_since_ms > cfg_.replay.max_age_ms) it = drop_stream_locked(it);
        else ++it;
    }
    evict_idle_locked();
}

hub::stats hub::snapshot_stats() {
    std::lock_guard<std::mutex> lock(mu_);
    stats s;
    s.streams = streams_.size();
    s.idle_streams = idle_.size();
    s.idle_stream_bytes = idle_bytes_;
    for (const auto& sub : app().subscriptions) s.subscribers_by_name[sub.name] = 0;
    for (const auto& [k, st] : streams_) {
        s.buffered_events += st->history.buffered();
        s.buffered_bytes += st->history.buffered_bytes();
        std::size_t n = st->subscribers.size();
        for (const auto& [sid, conns] : st->sid_subscribers) n += conns.size();
        for (const auto& [ms, g] : st->throttled) {
            n += g->subscribers.size() + g->batch_subscribers.size();
            for (const auto& [sid, conns] : g->sid_subscribers) n += conns.size();
            for (const auto& [sid, conns] : g->batch_sid_subscribers) n += conns.size();
            s.buffered_events += g->history.buffered();
            s.buffered_bytes += g->history.buffered_bytes();
        }
        s.subscribers_by_name[st->sub->name] += n;
    }
    return s;
}

}  // namespace rt::server
