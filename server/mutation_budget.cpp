#include "server/mutation_budget.hpp"

namespace rt::server {

bool mutation_budget::try_take(const std::string& key, proto::token_bucket::time_point now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buckets_.try_emplace(key, rate_per_s_, burst_).first;
    return it->second.try_take(now);
}

void mutation_budget::sweep(proto::token_bucket::time_point now) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        if (it->second.available(now) >= burst_) it = buckets_.erase(it);
        else ++it;
    }
}

std::size_t mutation_budget::size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return buckets_.size();
}

}  // namespace rt::server
