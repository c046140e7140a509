#include "protocol/stream_history.hpp"

#include <cassert>
#include <cstdio>

namespace rt::proto {

namespace {
// Bytes a buffered event holds: the frame plus bookkeeping (deque slot, shared_ptr control block).
std::size_t cost(const replay_entry& e) { return (e.frame ? e.frame->capacity() : 0) + sizeof(replay_entry) + 48; }
}  // namespace

stream_history::stream_history(std::string epoch, std::uint64_t top_seq, replay_limits limits)
    : epoch_(std::move(epoch)), top_seq_(top_seq), limits_(limits) {}

stream_history stream_history::restore(std::string epoch, std::uint64_t top_seq, std::vector<replay_entry> persisted,
                                       replay_limits limits) {
    if (persisted.empty() || persisted.back().seq != top_seq) return stream_history(std::move(epoch), top_seq, limits);
    std::size_t first = persisted.size() - 1;  // where the last run of consecutive seqs starts
    while (first > 0 && persisted[first].seq == persisted[first - 1].seq + 1) --first;
    stream_history h(std::move(epoch), persisted[first].seq - 1, limits);
    for (std::size_t i = first; i < persisted.size(); ++i) h.append(std::move(persisted[i]));
    return h;
}

void stream_history::append(replay_entry e) {
    assert(e.seq == top_seq_ + 1 && "stream seq must count up with no holes");
    top_seq_ = e.seq;
    bytes_ += cost(e);
    events_.push_back(std::move(e));
    while (events_.size() > limits_.max_events) {
        bytes_ -= cost(events_.front());
        events_.pop_front();
    }
}

void stream_history::prune(std::int64_t now_ms) {
    while (!events_.empty() && now_ms - events_.front().ts_ms > limits_.max_age_ms) {
        bytes_ -= cost(events_.front());
        events_.pop_front();
    }
}

std::optional<std::vector<replay_entry>> stream_history::missed_since(const stream_position& since,
                                                                     std::int64_t now_ms) {
    if (since.epoch != epoch_ || since.seq > top_seq_) return std::nullopt;
    prune(now_ms);
    std::vector<replay_entry> out;
    if (since.seq == top_seq_) return out;
    // Every event since.seq+1 .. top must still be here.
    if (events_.empty() || events_.front().seq > since.seq + 1) return std::nullopt;
    out.reserve(top_seq_ - since.seq);
    for (const auto& e : events_)
        if (e.seq > since.seq) out.push_back(e);
    return out;
}

std::string random_epoch(std::mt19937_64& rng) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    return buf;
}

}  // namespace rt::proto
