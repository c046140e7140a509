#include "loadgen/run_stats.hpp"

#include <chrono>

namespace rt::loadgen {

namespace {
std::atomic<std::uint64_t> next_stats_id{1};

struct shard_cache {
    std::uint64_t owner = 0;
    latency_shard* shard = nullptr;
};
thread_local shard_cache tl_cache;
}  // namespace

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

run_stats::run_stats(std::uint32_t nodes) : id_(next_stats_id.fetch_add(1)), nodes_(nodes == 0 ? 1 : nodes) {}

latency_shard& run_stats::local() {
    if (tl_cache.owner == id_) return *tl_cache.shard;
    std::lock_guard<std::mutex> lock(shards_mu_);
    shards_.push_back(std::make_unique<latency_shard>());
    shards_.back()->node_corrected.resize(nodes_);
    tl_cache = {id_, shards_.back().get()};
    return *tl_cache.shard;
}

void run_stats::record_delivery(std::uint32_t node, std::int64_t intended_us, std::int64_t actual_us,
                                std::int64_t receive_us) {
    latency_shard& s = local();
    std::lock_guard<std::mutex> lock(s.mu);
    s.this_second.record(receive_us - intended_us);
    if (intended_us < measure_from_us_.load(std::memory_order_relaxed)) return;
    s.corrected.record(receive_us - intended_us);
    s.uncorrected.record(receive_us - actual_us);
    s.node_corrected[node < nodes_ ? node : 0].record(receive_us - intended_us);
}

void run_stats::record_into(proto::latency_histogram latency_shard::*which, std::int64_t us) {
    latency_shard& s = local();
    std::lock_guard<std::mutex> lock(s.mu);
    (s.*which).record(us);
}

void run_stats::record_connect(std::int64_t us) { record_into(&latency_shard::connect, us); }
void run_stats::record_subscribe(std::int64_t us) { record_into(&latency_shard::subscribe, us); }
void run_stats::record_reconnect(std::int64_t us) { record_into(&latency_shard::reconnect, us); }

merged_latency run_stats::merged() const {
    merged_latency m;
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (const auto& s : shards_) {
        std::lock_guard<std::mutex> slock(s->mu);
        m.corrected.merge(s->corrected);
        m.uncorrected.merge(s->uncorrected);
        m.connect.merge(s->connect);
        m.subscribe.merge(s->subscribe);
        m.reconnect.merge(s->reconnect);
    }
    return m;
}

std::vector<proto::latency_histogram> run_stats::merged_per_node() const {
    std::vector<proto::latency_histogram> out(nodes_);
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (const auto& s : shards_) {
        std::lock_guard<std::mutex> slock(s->mu);
        for (std::uint32_t n = 0; n < nodes_; ++n) out[n].merge(s->node_corrected[n]);
    }
    return out;
}

void run_stats::take_second(proto::latency_histogram& into) {
    into.reset();
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (const auto& s : shards_) {
        std::lock_guard<std::mutex> slock(s->mu);
        into.merge(s->this_second);
        s->this_second.reset();
    }
}

}  // namespace rt::loadgen
