#include "chaos/units.hpp"

#include "protocol/units.hpp"

namespace rt::chaos {

result<std::chrono::milliseconds, std::string> parse_duration_ms(std::string_view s) {
    return proto::parse_duration(s);
}

result<std::uint64_t, std::string> parse_size_bytes(std::string_view s) { return proto::parse_size(s); }

result<std::uint64_t, std::string> parse_rate_bytes_per_s(std::string_view s) {
    auto slash = s.rfind('/');
    if (slash == std::string_view::npos || s.substr(slash) != "/s")
        return make_unexpected("bad rate \"" + std::string(s) + "\" (expected a size per second, e.g. 10KiB/s)");
    auto size = parse_size_bytes(s.substr(0, slash));
    if (!size) return make_unexpected("bad rate \"" + std::string(s) + "\": " + size.error());
    if (*size == 0) return make_unexpected("rate \"" + std::string(s) + "\" must be above zero");
    return *size;
}

}  // namespace rt::chaos
