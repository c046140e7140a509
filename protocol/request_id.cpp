#include "protocol/request_id.hpp"

#include <string_view>

namespace rt::proto {

namespace {

constexpr std::string_view request_sub_prefix = "sub:";
constexpr std::string_view request_unsub_prefix = "unsub:";

std::string_view request_prefix_of(request_kind k) {
    return k == request_kind::subscribe ? request_sub_prefix : request_unsub_prefix;
}

}  // namespace

nlohmann::json to_wire(const request_id& id) {
    std::string text(request_prefix_of(id.kind));
    text += id.key;
    return text;
}

std::optional<request_id> request_id_from_wire(const nlohmann::json& id) {
    if (!id.is_string()) return std::nullopt;
    const std::string& text = id.get_ref<const std::string&>();
    for (request_kind k : {request_kind::subscribe, request_kind::unsubscribe}) {
        const std::string_view prefix = request_prefix_of(k);
        if (text.compare(0, prefix.size(), prefix) == 0) return request_id{k, text.substr(prefix.size())};
    }
    return std::nullopt;
}

}  // namespace rt::proto
