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

std::string stream_label(std::string_view key) {
    std::string out(key);
    if (auto at = out.find(stream_key_separator); at != std::string::npos) out.erase(at, 1);
    return out;
}

}  // namespace rt::proto
