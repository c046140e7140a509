#pragma once
// What one token's user may do, and the one function that decides every read and write
// (docs/operations.md "The rights model"). Pure: no sockets, no locks; the hub and the HTTP layer
// call authorize() on every path (WebSocket subscribe, snapshot and replay through the stream's
// filter, REST GET/list, rows echoed in `published`, publish and REST mutations, presence,
// /metrics). A path that reads or writes rows and does not go through authorize() is a bug.
//
// Without a tokens file every connection gets `allow_all()`.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/result.hpp"
#include "protocol/spec.hpp"

namespace rt::server {

// A row scope: attribute → allowed values. A row is inside when each listed attribute holds one
// of its values (an unset attribute is outside). Empty: every row.
using row_scope = std::map<std::string, std::vector<nlohmann::json>>;

struct rights {
    std::string user;
    bool admin = false;  // may read /metrics
    bool any_subscription = false;
    std::set<std::string> subscriptions;
    bool any_entity = false;
    std::set<std::string> publish;
    // Entity → the rows this token may read, on every path that reaches the entity's rows
    // (from the tokens file's `filters.<Subscription or Entity>`). A subscription of a scoped
    // entity must pin each scoped attribute in its filter, so every stream it joins lies inside.
    std::map<std::string, row_scope> read_scope;
    // Entity → the rows this token may write (`publish_filters.<Entity>`); the row before and
    // after a change must lie inside it. Reading and writing are separate rights: without
    // publish_filters a token with `publish` may change any row of the entity (a reply then
    // echoes only the id of a row it may not read).
    std::map<std::string, row_scope> write_scope;
    // Presence resources the user may join and see; "*" matches all, a trailing '*' a prefix.
    // Empty (the default in a tokens file): presence is denied.
    std::vector<std::string> presence;

    static rights allow_all(std::string user);
    bool may_subscribe(std::string_view subscription) const;
    bool may_publish(std::string_view entity) const;
    bool may_see_presence(std::string_view resource) const;
    bool operator==(const rights& o) const;
    bool operator!=(const rights& o) const { return !(*this == o); }
};

// True when `row` lies inside `scope`.
bool in_scope(const row_scope& scope, const nlohmann::json& row);

// `r` as JSON, the keys named as in the tokens file where it has one (GET /api/_info's "rights",
// docs/protocol.md §13): {"user", "subscribe": [names] or ["*"], "publish": [entities] or ["*"],
// "read_scope": {Entity: {attr: [values]}}, "write_scope": {...}, "presence": [patterns], "admin"}.
// Scopes are per entity (a tokens file's filters.<Subscription> is already resolved to its entity).
nlohmann::json rights_json(const rights& r);

// ---- the one authorization function ----------------------------------------------------------

struct subscribe_action {  // WebSocket subscribe (snapshot and replay come from the same stream)
    const spec::subscription* sub;
    const nlohmann::json* filter;  // the client's filter, already valid for the subscription
};
struct read_entity_action {  // may the token read any row of the entity (REST list)?
    const spec::entity* entity;
};
struct read_row_action {  // one row: REST GET, each row of a REST list, the row a `published` echoes
    const spec::entity* entity;
    const nlohmann::json* row;
};
struct write_action {  // publish insert/update/delete and REST POST/PATCH/DELETE
    const spec::entity* entity;
    const nlohmann::json* before;  // nullptr for an insert
    const nlohmann::json* after;   // nullptr for a delete
};
struct presence_action_check {
    std::string_view resource;
};
struct metrics_action {};

using action = std::variant<subscribe_action, read_entity_action, read_row_action, write_action,
                            presence_action_check, metrics_action>;

// Allowed, or refused with a protocol_error: its code is forbidden or not_found, its message the
// reason for the client.
using decision = result<void, proto::protocol_error>;

// Decides one action for `who` against the spec. Refusals name what would be allowed, never the
// contents of a row the token may not read: a row outside the read scope is `not_found`, as if it
// did not exist.
decision authorize(const rights& who, const spec::app& app, const action& what);

}  // namespace rt::server
