#pragma once
// The tokens file (TOML): token → user and rights, checked against the spec. Example:
//   [tokens.s3cret-alice]
//   user = "alice"
//   subscribe = ["TaskUpdates", "TaskDetail"]   # or ["*"]
//   publish = ["Task"]                          # or ["*"]
//   presence = ["board:*"]                      # none unless listed
//   admin = false                               # true: may read /metrics
//   [tokens.s3cret-alice.filters.Task]          # row scope per entity (or filters.<Subscription>)
//   board = ["b1", "b2"]
//   [tokens.s3cret-alice.publish_filters.Task]  # rows alice may write (before and after a change)
//   board = ["b1"]
// docs/operations.md "The tokens file" and "Checking the file" are the reference.
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "protocol/result.hpp"
#include "protocol/spec.hpp"
#include "server/rights.hpp"

namespace rt::server {

// Names an earlier spec of this process declared and the current one lacks (rights_from_claim).
struct retired_names {
    std::set<std::string> subscriptions;
    std::set<std::string> entities;
};

using token_table = std::map<std::string, rights>;

// Parses a tokens file and checks it against the spec: unknown subscription, entity and
// attribute names, values not of the attribute's type, scalars where a list is meant, filter
// tables for subscriptions or entities the token may not use, and two tables pinning one entity
// differently are errors. On failure returns every error found, one per line, in file order, as
// "FILE:LINE:COL: error: WHAT (the valid choices)". Errors name the token's user, never the token
// (a key path in a TOML syntax error is shown as tokens.<token at line N>); file text quoted in an
// error has its control characters written as \xNN. A user name is non-empty UTF-8 without
// control characters (U+0000..U+001F, U+007F..U+009F).
result<token_table, std::string> parse_tokens(std::string_view toml_text, const std::string& source,
                                              const spec::app& app);
result<token_table, std::string> load_tokens_file(const std::string& path, const spec::app& app);

// The rights of a JWT's `rt` claim for user `sub`: the same keys, meaning and checks as one
// [tokens.<TOKEN>] table (subscribe, publish, presence, admin, filters, publish_filters; the user
// is `sub`, so the claim has no `user`), run by the same checker, with the same messages, one per
// line as "JWT claim 'rt': error: WHAT". `rt_claim` null (no claim): a user with no rights.
// `retired` (rt serve after a live spec reload): subscriptions and entities an earlier spec of this
// process served and the current one lacks. A claim naming one of them in `subscribe`, `publish` or
// `publish_filters` is read without it (a JWT minted before the reload keeps working for the rest,
// and loses nothing it could still use); a name never served stays an error (a typo). Anything
// that pins rows stays strict: a `filters` table naming a retired name still refuses the token,
// since dropping a pin would widen what it reads.
result<rights, std::string> rights_from_claim(const nlohmann::json& rt_claim, const std::string& sub, const spec::app& app,
                                              const retired_names* retired = nullptr);

}  // namespace rt::server
