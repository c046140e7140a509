#include "server/rights.hpp"

namespace rt::server {

rights rights::allow_all(std::string user) {
    rights r;
    r.user = std::move(user);
    r.any_subscription = true;
    r.any_entity = true;
    return r;
}

bool rights::may_subscribe(std::string_view s) const {
    return any_subscription || subscriptions.count(std::string(s)) > 0;
}

bool rights::may_publish(std::string_view e) const {
    return any_entity || publish.count(std::string(e)) > 0;
}

bool rights::may_see_presence(std::string_view resource) const {
    for (const auto& p : presence) {
        if (p == "*" || p == resource) return true;
        if (!p.empty() && p.back() == '*' && resource.substr(0, p.size() - 1) == p.substr(0, p.size() - 1))
            return true;
    }
    return false;
}

std::string rights::check_pinned(std::string_view subscription, const nlohmann::json& filter) const {
    auto it = pinned_filters.find(std::string(subscription));
    if (it == pinned_filters.end()) return {};
    for (const auto& [attr, allowed] : it->second) {
        auto v = filter.is_object() ? filter.find(attr) : filter.end();
        if (!filter.is_object() || v == filter.end())
            return "your token only allows '" + std::string(subscription) + "' with a filter on '" + attr + "'";
        bool ok = false;
        for (const auto& a : allowed) ok = ok || a == *v;
        if (!ok) return "your token does not allow " + attr + "=" + v->dump() + " on '" + std::string(subscription) + "'";
    }
    return {};
}

}  // namespace rt::server
