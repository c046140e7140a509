// Presence: join, leave, expiry, and the presence state sent to a resource's members.
#include "server/hub.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

result<void, protocol_error> hub::presence(conn_context& c, const proto::presence_msg& m) {
    if (auto d = authorize(c.who, app(), presence_action_check{m.resource}); !d) return make_unexpected(std::move(d.error()));
    if (m.action == proto::presence_action::join) {
        // Every member receives the meta with every change of the list: it stays small.
        if (std::size_t n = m.meta.dump(-1, ' ', false, json::error_handler_t::replace).size(); n > cfg_.max_presence_meta_bytes)
            return make_unexpected(protocol_error{error_code::bad_request, "meta is " + std::to_string(n) +
                                                                   " bytes of JSON; at most " +
                                                                   std::to_string(cfg_.max_presence_meta_bytes) +
                                                                   " are allowed (--max-presence-meta)"});
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t now = now_ms();
    if (m.action == proto::presence_action::join) {
        if (c.presence.count(m.resource) == 0 && c.presence.size() >= cfg_.max_presence_resources)
            return make_unexpected(protocol_error{error_code::too_many_subscriptions,
                                                  "a connection may be present on at most " +
                                                      std::to_string(cfg_.max_presence_resources) +
                                                      " resources (--max-presence-resources); leave one first"});
        bool changed = presence_.join(m.resource, &c, c.who.user, m.meta, now);
        c.presence.insert(m.resource);
        if (changed) broadcast_presence(m.resource);
        else sink_.send_to(c, presence_frame(m.resource));
    } else {
        bool changed = presence_.leave(m.resource, &c);
        c.presence.erase(m.resource);
        if (changed) broadcast_presence(m.resource);
        sink_.send_to(c, presence_frame(m.resource));
    }
    return {};
}

frame_ptr hub::presence_frame(const std::string& resource) const {
    proto::presence_state_msg msg{resource, presence_.users(resource)};
    if (bus_) {  // every node's users, as last read from Redis
        auto shared = shared_presence_.find(resource);
        msg.users = shared == shared_presence_.end() ? std::vector<proto::presence_user>{} : shared->second;
    }
    msg.count = msg.users.size();
    if (msg.users.size() > cfg_.max_presence_users) msg.users.resize(cfg_.max_presence_users);
    return std::make_shared<const std::string>(proto::encode_presence(msg));
}

void hub::broadcast_presence(const std::string& resource) {
    // With a shared store the list goes out when every node has read it (presence_state).
    if (bus_) return announce_presence_locked(resource);
    auto members = presence_.members(resource);
    if (members.empty()) return;
    sink_.fan_out(presence_frame(resource), members);
}

void hub::touch_presence(conn_context& c, std::int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    presence_.touch(&c, now);
}

void hub::expire_presence(std::int64_t now, std::int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : presence_.expire(now, timeout_ms)) broadcast_presence(r);
}

}  // namespace rt::server
