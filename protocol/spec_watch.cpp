#include "protocol/spec_watch.hpp"

namespace rt::proto {

std::optional<std::string> spec_watch::poll(const std::optional<std::string>& content, std::int64_t now_ms) {
    if (!content) return std::nullopt;
    if (*content == handed_) {
        candidate_.reset();
        return std::nullopt;
    }
    if (!candidate_ || *candidate_ != *content) {
        candidate_ = *content;
        since_ms_ = now_ms;
        return std::nullopt;
    }
    if (now_ms - since_ms_ < settle_ms_) return std::nullopt;
    handed_ = std::move(*candidate_);
    candidate_.reset();
    return handed_;
}

}  // namespace rt::proto
