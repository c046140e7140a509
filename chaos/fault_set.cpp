#include "chaos/fault_set.hpp"

#include <algorithm>

namespace rt::chaos {

void fault_set::set(const fault& f) {
    if (f.kind == fault_kind::reset) return;
    auto same = [&](const fault& g) { return g.kind == f.kind && g.dir == f.dir; };
    auto it = std::find_if(faults_.begin(), faults_.end(), same);
    if (it != faults_.end()) *it = f;
    else faults_.push_back(f);
}

flow_policy fault_set::policy(std::uint64_t conn_no, direction flow) const {
    flow_policy p;
    for (const auto& f : faults_) {
        if (!covers(f.dir, flow) || !selects(f, conn_no)) continue;
        switch (f.kind) {
        case fault_kind::blackhole: p.blackhole = true; break;
        case fault_kind::latency:
            if (f.latency_ms > p.latency_ms) {
                p.latency_ms = f.latency_ms;
                p.jitter_ms = f.jitter_ms;
            }
            break;
        case fault_kind::bandwidth:
            if (p.bytes_per_s == 0 || f.bytes_per_s < p.bytes_per_s) p.bytes_per_s = f.bytes_per_s;
            break;
        case fault_kind::reset:
        case fault_kind::refuse: break;
        }
    }
    return p;
}

bool fault_set::refuses(std::uint64_t conn_no) const {
    return std::any_of(faults_.begin(), faults_.end(),
                       [&](const fault& f) { return f.kind == fault_kind::refuse && selects(f, conn_no); });
}

nlohmann::json fault_set::to_json() const {
    auto list = nlohmann::json::array();
    for (const auto& f : faults_) list.push_back(chaos::to_json(f));
    return list;
}

}  // namespace rt::chaos
