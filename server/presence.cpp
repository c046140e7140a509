#include "server/presence.hpp"

#include <algorithm>

namespace rt::server {

bool presence_registry::join(const std::string& resource, conn_context* c, const std::string& user,
                             const nlohmann::json& meta, std::int64_t now_ms) {
    auto before = users(resource);
    resources_[resource][c] = member{user, meta, now_ms};
    last_seen_ms_[c] = now_ms;
    auto after = users(resource);
    if (before.size() != after.size()) return true;
    for (std::size_t i = 0; i < before.size(); ++i)
        if (before[i].id != after[i].id || before[i].meta != after[i].meta) return true;
    return false;
}

bool presence_registry::leave(const std::string& resource, conn_context* c) {
    auto it = resources_.find(resource);
    if (it == resources_.end() || it->second.count(c) == 0) return false;
    auto before = users(resource).size();
    it->second.erase(c);
    std::size_t after = it->second.empty() ? 0 : users(resource).size();
    if (it->second.empty()) resources_.erase(it);
    return before != after;
}

std::vector<std::string> presence_registry::leave_all(conn_context* c) {
    std::vector<std::string> joined;
    for (const auto& [res, members] : resources_)
        if (members.count(c)) joined.push_back(res);
    std::vector<std::string> changed;
    for (const auto& r : joined)
        if (leave(r, c)) changed.push_back(r);
    last_seen_ms_.erase(c);
    return changed;
}

void presence_registry::touch(conn_context* c, std::int64_t now_ms) {
    auto it = last_seen_ms_.find(c);
    if (it != last_seen_ms_.end()) it->second = now_ms;
}

std::vector<std::string> presence_registry::expire(std::int64_t now_ms, std::int64_t timeout_ms) {
    std::vector<conn_context*> stale;
    for (const auto& [c, seen] : last_seen_ms_)
        if (now_ms - seen > timeout_ms) stale.push_back(c);
    std::vector<std::string> changed;
    for (auto* c : stale)
        for (auto& r : leave_all(c))
            if (std::find(changed.begin(), changed.end(), r) == changed.end()) changed.push_back(r);
    return changed;
}

std::vector<proto::presence_user> presence_registry::users(const std::string& resource) const {
    std::vector<proto::presence_user> out;
    auto it = resources_.find(resource);
    if (it == resources_.end()) return out;
    std::map<std::string, const member*> latest;
    for (const auto& [c, m] : it->second) {
        auto& slot = latest[m.user];
        if (!slot || m.joined_ms >= slot->joined_ms) slot = &m;
    }
    for (const auto& [user, m] : latest) out.push_back(proto::presence_user{user, m->meta});
    return out;
}

std::vector<std::string> presence_registry::resources() const {
    std::vector<std::string> out;
    for (const auto& [r, m] : resources_) out.push_back(r);
    return out;
}

std::vector<conn_context*> presence_registry::members(const std::string& resource) const {
    std::vector<conn_context*> out;
    auto it = resources_.find(resource);
    if (it == resources_.end()) return out;
    for (const auto& [c, m] : it->second) out.push_back(c);
    return out;
}

}  // namespace rt::server
