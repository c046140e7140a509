#pragma once
// Throttled delivery's pure core (docs/protocol.md, "Throttled delivery"): the changes of one
// window, coalesced per row so that only the latest state of each row is sent when the window
// closes. Pure: no clock, no I/O; the hub feeds it and flushes it.
//
// Within one window, per row id (first change → later change = what is sent):
//   insert → update = insert (latest row)     update → update = update (latest row)
//   insert → delete = nothing (cancels out)   update → delete = delete
//   delete → insert = update (latest row)     delete → delete = delete
// and any longer sequence by applying these pairwise. A row cancelled out and inserted again in the
// same window is sent where it was inserted again (order of first touch otherwise).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/messages.hpp"

namespace rt::proto {

// One coalesced change of a window: the row's latest JSON text, and the stream's seq and time of
// the last change folded into it.
struct coalesced_change {
    std::string id;
    operation op = operation::update;
    std::string data_json;
    std::uint64_t last_seq = 0;
    std::int64_t ts_ms = 0;
};

class coalescer {
public:
    // Folds one change of row `id` into the window.
    void feed(const std::string& id, operation op, std::string data_json, std::uint64_t seq, std::int64_t ts_ms);
    // The window's changes in order of first touch, and an empty window after.
    std::vector<coalesced_change> flush();
    // Rows with a pending change (cancelled rows are not counted).
    std::size_t pending() const { return live_; }
    bool empty() const { return live_ == 0; }

private:
    std::vector<coalesced_change> order_;  // entries with an empty id were cancelled
    std::unordered_map<std::string, std::size_t> at_;  // row id → its entry in order_
    std::size_t live_ = 0;
};

}  // namespace rt::proto
