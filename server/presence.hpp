#pragma once
// Who is on which resource. A user with several connections counts once; a member that has not
// been touched (message or pong) within the timeout is removed by expire().
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace rt::server {

struct conn_context;

class presence_registry {
public:
    // Each returns whether the resource's user list changed.
    bool join(const std::string& resource, conn_context* c, const std::string& user, const nlohmann::json& meta,
              std::int64_t now_ms);
    bool leave(const std::string& resource, conn_context* c);
    // Removes the connection everywhere; returns the resources whose user list changed.
    std::vector<std::string> leave_all(conn_context* c);
    void touch(conn_context* c, std::int64_t now_ms);
    // Removes members silent for longer than timeout_ms; returns resources whose user list changed.
    std::vector<std::string> expire(std::int64_t now_ms, std::int64_t timeout_ms);

    // Current users (each once; meta from the user's latest join), sorted by id.
    std::vector<proto::presence_user> users(const std::string& resource) const;
    // Resources with at least one member here.
    std::vector<std::string> resources() const;
    // Connections on the resource.
    std::vector<conn_context*> members(const std::string& resource) const;

private:
    struct member {
        std::string user;
        nlohmann::json meta;
        std::int64_t joined_ms = 0;
    };
    std::map<std::string, std::map<conn_context*, member>> resources_;
    std::map<conn_context*, std::int64_t> last_seen_ms_;
};

}  // namespace rt::server
