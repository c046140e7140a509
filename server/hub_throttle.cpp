// Throttled delivery (docs/protocol.md, "Throttled delivery"): a stream's throttled subscribers
// are grouped by window; each group coalesces the stream's changes (protocol/coalescer.hpp) and,
// when its window closes, numbers and sends the coalesced events once for all its subscribers.
// Every function here runs under the hub lock, except flush_throttled, which takes it.
#include <cassert>

#include "server/hub.hpp"

namespace rt::server {

throttle_group& hub::group_for_locked(stream& st, std::int64_t window_ms) {
    auto& slot = st.throttled[window_ms];
    if (!slot)
        slot = std::make_unique<throttle_group>(st, window_ms,
                                                proto::stream_history(proto::random_epoch(rng_), 0, cfg_.replay));
    return *slot;
}

void hub::feed_throttled_locked(stream& st, proto::operation op, const std::string& id, const std::string& data_json,
                                std::uint64_t seq, std::int64_t ts) {
    for (auto& [ms, g] : st.throttled) {
        g->pending.feed(id, op, data_json, seq, ts);
        if (g->due_ms == 0 && !g->pending.empty()) {  // the change opens a window
            g->due_ms = ts + g->window_ms;
            due_.emplace(g->due_ms, g.get());
            open_windows_.store(due_.size(), std::memory_order_relaxed);
        }
    }
}

void hub::close_window_locked(throttle_group& g) {
    if (g.due_ms == 0) return;
    due_.erase({g.due_ms, &g});
    g.due_ms = 0;
    open_windows_.store(due_.size(), std::memory_order_relaxed);
}

void hub::flush_group_locked(throttle_group& g) {
    close_window_locked(g);
    const std::string& name = g.owner->sub->name;
    const std::vector<proto::coalesced_change> changes = g.pending.flush();
    const bool batched = !g.batch_subscribers.empty() || !g.batch_sid_subscribers.empty();
    std::vector<proto::batch_item> items;
    if (batched) items.reserve(changes.size());
    for (const auto& ch : changes) {
        proto::stream_position pos{g.history.epoch(), g.history.next_seq()};
        // The history keeps single `event` frames: a resume replays them one by one, batched or not.
        auto frame = std::make_shared<const std::string>(proto::encode_event(name, ch.op, ch.data_json, pos, ch.ts_ms));
        g.history.append({pos.seq, ch.ts_ms, frame});
        metrics_.throttled_events++;
        if (!g.subscribers.empty()) sink_.fan_out(frame, g.subscribers);
        for (const auto& [sid, conns] : g.sid_subscribers)
            sink_.fan_out(std::make_shared<const std::string>(proto::event_with_sid(*frame, sid)), conns);
        if (batched) items.push_back({ch.op, ch.data_json, pos.seq, ch.ts_ms});
    }
    if (items.empty()) return;
    // The whole window as one frame, serialized once for the group's batched subscribers.
    auto batch = std::make_shared<const std::string>(proto::encode_events(name, g.history.epoch(), items));
    metrics_.throttled_batches++;
    if (!g.batch_subscribers.empty()) sink_.fan_out(batch, g.batch_subscribers);
    for (const auto& [sid, conns] : g.batch_sid_subscribers)
        sink_.fan_out(std::make_shared<const std::string>(proto::event_with_sid(*batch, sid)), conns);
}

void hub::flush_throttled(std::int64_t now) {
    if (open_windows_.load(std::memory_order_relaxed) == 0) return;  // the common case: no lock taken
    std::lock_guard<std::mutex> lock(mu_);
    while (!due_.empty() && due_.begin()->first <= now) flush_group_locked(*due_.begin()->second);
}

void hub::sweep_groups_locked(stream& st, std::int64_t now) {
    for (auto it = st.throttled.begin(); it != st.throttled.end();) {
        throttle_group& g = *it->second;
        g.history.prune(now);
        // A group without subscribers is kept while a resume could still recover from it.
        if (g.idle() && now - g.idle_since_ms > cfg_.replay.max_age_ms) {
            close_window_locked(g);
            it = st.throttled.erase(it);
        } else {
            ++it;
        }
    }
}

void hub::drop_groups_locked(stream& st) {
    for (auto& [ms, g] : st.throttled) close_window_locked(*g);
    st.throttled.clear();
}

}  // namespace rt::server
