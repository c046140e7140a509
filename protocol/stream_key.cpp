#include "protocol/stream_key.hpp"

namespace rt::proto {

namespace {
constexpr char stream_key_separator = '\x1f';  // cannot appear in a subscription name (an identifier)
}  // namespace

std::string stream_key(std::string_view subscription, const nlohmann::json& filter) {
    std::string key(subscription);
    key += stream_key_separator;
    key += filter.is_object() ? filter.dump() : std::string("{}");
    return key;
}

std::optional<stream_key_parts> split_stream_key(std::string_view key) {
    auto at = key.find(stream_key_separator);
    if (at == std::string_view::npos) return std::nullopt;
    nlohmann::json filter = nlohmann::json::parse(key.substr(at + 1), nullptr, false);
    if (!filter.is_object()) return std::nullopt;
    return stream_key_parts{std::string(key.substr(0, at)), std::move(filter)};
}

std::string stream_label(std::string_view key) {
    std::string out(key);
    if (auto at = out.find(stream_key_separator); at != std::string::npos) out.erase(at, 1);
    return out;
}

}  // namespace rt::proto
