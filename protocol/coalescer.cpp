#include "protocol/coalescer.hpp"

namespace rt::proto {

void coalescer::feed(const std::string& id, operation op, std::string data_json, std::uint64_t seq, std::int64_t ts_ms) {
    auto it = at_.find(id);
    if (it == at_.end()) {
        at_.emplace(id, order_.size());
        order_.push_back({id, op, std::move(data_json), seq, ts_ms});
        ++live_;
        return;
    }
    coalesced_change& e = order_[it->second];
    operation was = e.op;
    if (was == operation::insert && op == operation::remove) {  // never seen by the client: nothing to send
        e.id.clear();
        e.data_json.clear();
        at_.erase(it);
        --live_;
        return;
    }
    if (was == operation::insert) e.op = operation::insert;            // still new to the client, latest row
    else if (op == operation::remove) e.op = operation::remove;        // update/delete → delete
    else if (was == operation::remove) e.op = operation::update;       // delete → insert: the client had it
    else e.op = operation::update;                                     // update → update
    e.data_json = std::move(data_json);
    e.last_seq = seq;
    e.ts_ms = ts_ms;
}

std::vector<coalesced_change> coalescer::flush() {
    std::vector<coalesced_change> out;
    out.reserve(live_);
    for (auto& e : order_)
        if (!e.id.empty()) out.push_back(std::move(e));
    order_.clear();
    at_.clear();
    live_ = 0;
    return out;
}

}  // namespace rt::proto
