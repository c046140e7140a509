#pragma once
// What a token may do, as the server describes it in GET /api/_info's "rights" (docs/protocol.md
// §13): the subscriptions it may use, the entities it may publish to, its read and write scope
// per entity, its presence patterns. The rights cases (group 10) derive from it what a limited
// token must be refused. Read from the wire, so it works for any server; pure.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::check {

// Attribute → the values a row may hold there (a row is inside when each listed attribute holds
// one of its values).
using row_scope = std::map<std::string, std::vector<nlohmann::json>>;

struct token_rights {
    bool all = false;  // "rights":"all": development mode, everything is allowed
    std::string user;
    std::set<std::string> subscribe, publish;  // "*" stands for every one
    std::map<std::string, row_scope> read_scope, write_scope;  // by entity; absent: every row
    std::vector<std::string> presence;
    bool admin = false;

    bool may_subscribe(const std::string& subscription) const;
    bool may_publish(const std::string& entity) const;
    // The entity's scope, or nullptr when every row is inside.
    const row_scope* read_scope_of(const std::string& entity) const;
    const row_scope* write_scope_of(const std::string& entity) const;
};

// Parses the "rights" member of GET /api/_info: "all", or an object with "subscribe" and
// "publish" (lists of names, ["*"] for all), "read_scope" and "write_scope" ({Entity: {attr:
// [values]}}), "presence" (patterns) and "admin". The error names the member that is wrong.
result<token_rights, std::string> parse_token_rights(const nlohmann::json& rights);

// True when `row` lies inside `scope` (an attribute the row does not hold is outside).
bool in_row_scope(const row_scope& scope, const nlohmann::json& row);

}  // namespace rt::check
