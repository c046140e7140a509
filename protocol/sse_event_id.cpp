#include "protocol/sse_event_id.hpp"

namespace rt::proto {

std::string format_event_id(const stream_position& p) { return p.epoch + ":" + std::to_string(p.seq); }

std::optional<stream_position> parse_event_id(std::string_view id) {
    const std::size_t colon = id.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view seq = id.substr(colon + 1);
    if (seq.empty() || seq.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : seq) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return stream_position{std::string(id.substr(0, colon)), n};
}

}  // namespace rt::proto
