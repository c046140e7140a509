// The Redis broker's global order of changes: change messages applied in G order, messages ahead
// of the next one held, gaps repaired from the change log `rt:log`, and the waits that answer a
// publish once its change is applied here (read-your-writes).
// Runs on the broker's thread; the class is in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {

void redis_broker::impl::on_message(std::string payload) {
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
void redis_broker::impl::drain() {
    while (!early.empty() && ph == phase::ready) {
        auto it = early.begin();
        if (it->first > applied + 1) break;
        std::string payload = std::move(it->second);
        early.erase(it);
        if (auto order = change_message_order(payload); order && order->first == applied + 1 && order->second == log_epoch)
            apply(payload);
    }
}

void redis_broker::impl::apply(const std::string& payload) {
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
void redis_broker::impl::request_repair() {
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

void redis_broker::impl::wait_applied(std::uint64_t g, std::function<void(bool)> fn) {
    if (applied >= g) return fn(true);
    waits.emplace(g, std::move(fn));
}

void redis_broker::impl::run_waits() {
    while (!waits.empty() && waits.begin()->first <= applied) {
        auto fn = std::move(waits.begin()->second);
        waits.erase(waits.begin());
        fn(true);
    }
}

void redis_broker::impl::fail_waits() {
    auto pending = std::move(waits);
    waits.clear();
    for (auto& [g, fn] : pending) fn(false);
}

}  // namespace rt::server
