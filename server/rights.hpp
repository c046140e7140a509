#pragma once
// What one token's user may do. Without a tokens file every connection gets `allow_all()`.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::server {

struct rights {
    std::string user;
    bool any_subscription = false;
    std::set<std::string> subscriptions;
    bool any_entity = false;
    std::set<std::string> publish;
    // subscription → attribute → allowed values. A pinned attribute must appear in the client's
    // filter with one of these values: row-level access without breaking the stream model.
    std::map<std::string, std::map<std::string, std::vector<nlohmann::json>>> pinned_filters;
    // presence resources the user may join and see; "*" matches all, a trailing '*' a prefix.
    std::vector<std::string> presence{"*"};

    static rights allow_all(std::string user);
    bool may_subscribe(std::string_view subscription) const;
    bool may_publish(std::string_view entity) const;
    bool may_see_presence(std::string_view resource) const;
    // Empty when the filter satisfies every pinned attribute; otherwise the reason it does not.
    std::string check_pinned(std::string_view subscription, const nlohmann::json& filter) const;
};

}  // namespace rt::server
