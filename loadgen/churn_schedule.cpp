#include "loadgen/churn_schedule.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "protocol/units.hpp"

namespace rt::loadgen {

result<double, std::string> parse_churn(std::string_view text) {
    const auto bad = [&] {
        return make_unexpected("invalid churn '" + std::string(text) +
                               "': expected a share of the connections per time unit, like 5%/min, 0.5%/s or 0");
    };
    if (text == "0") return 0.0;
    const std::size_t pct = text.find('%');
    if (pct == std::string_view::npos || pct + 1 >= text.size() || text[pct + 1] != '/') return bad();
    std::string_view unit = text.substr(pct + 2);
    if (unit == "min") unit = "m";
    // parse_rate reads the number exactly and knows the units; it only lacks the '%'.
    auto r = proto::parse_rate(std::string(text.substr(0, pct)) + "/" + std::string(unit));
    if (!r) return bad();
    const double share_per_s = *r / 100.0;
    if (share_per_s > max_churn_share_per_s)
        return make_unexpected("churn '" + std::string(text) + "' is above 100%/s (every connection once a second)");
    return share_per_s;
}

churn_schedule::churn_schedule(std::int64_t start_us, std::uint32_t conns, double share_per_s)
    : start_us_(start_us), conns_(conns), per_s_(share_per_s * conns) {}

std::uint64_t churn_schedule::due(std::int64_t now_us) const {
    if (now_us <= start_us_ || !(per_s_ > 0)) return 0;
    return static_cast<std::uint64_t>(std::floor(static_cast<double>(now_us - start_us_) / 1e6 * per_s_));
}

std::int64_t churn_schedule::at_us(std::uint64_t k) const {
    if (!(per_s_ > 0)) return std::numeric_limits<std::int64_t>::max();
    return start_us_ + static_cast<std::int64_t>(std::ceil(static_cast<double>(k + 1) * 1e6 / per_s_));
}

}  // namespace rt::loadgen
