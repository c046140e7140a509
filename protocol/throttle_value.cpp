#include "protocol/throttle_value.hpp"

#include "protocol/units.hpp"

namespace rt::proto {

result<std::int64_t, std::string> parse_throttle(std::string_view text) {
    using R = result<std::int64_t, std::string>;
    auto d = parse_duration(text);
    if (!d) return R(make_unexpected(d.error()));
    std::int64_t ms = d->count();
    if (ms < k_min_throttle_ms || ms > k_max_throttle_ms)
        return R(make_unexpected("throttle '" + std::string(text) + "' is outside " + std::to_string(k_min_throttle_ms) +
                                 "ms.." + std::to_string(k_max_throttle_ms / 1000) + "s"));
    return ms;
}

}  // namespace rt::proto
