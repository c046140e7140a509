#pragma once
// The checker behind parse_tokens (server/tokens.cpp): reads one tokens file's tables against the
// spec and collects every error with its position; tokens.cpp runs it on a JWT's `rt` claim too.
// Private to tokens.cpp and token_checker.cpp.
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "protocol/spec.hpp"
#include "server/rights.hpp"
#include "server/tokens.hpp"

namespace rt::server {

// Checks one file; collects every error with its position. Not thread-safe; one per parse.
class token_checker {
public:
    // `retired`: names of subscriptions and entities an earlier spec served (tokens.hpp,
    // rights_from_claim): left out of subscribe, publish and publish_filters instead of refused.
    token_checker(const spec::app& app, std::string source, const retired_names* retired = nullptr)
        : app_(app), source_(std::move(source)), retired_(retired) {}

    // Records an error at a position of the file (made one line).
    void error(const toml::source_region& at, const std::string& msg);
    bool failed() const { return !errors_.empty(); }
    // Every error recorded, sorted by position, de-duplicated, at most max_errors of them, one
    // per line as "SOURCE:LINE:COL: error: WHAT" ("SOURCE: error: WHAT" for a node without a
    // position: a JWT claim converted to TOML).
    std::string report();

    // One [tokens.<TOKEN>] table's rights, as far as they could be read; its errors are recorded
    // (the caller checks failed() once every table is read). `key_text` names the token by its
    // place ("at line N"), never by its text.
    rights token(const toml::table& t, const std::string& key_text);

private:
    // "a, b, c": the spec's names, for "(it has: ...)" in errors.
    std::string subscription_names() const;
    std::string entity_names() const;
    static std::string attribute_names(const spec::entity& e);
    using name_list = std::vector<std::pair<std::string, toml::source_region>>;
    // A list of strings, each element with its position (empty when the key is absent); nullopt
    // when it is not a list. Elements that are not strings are left out. Errors are recorded.
    std::optional<name_list> names(const toml::table& t, const char* key, const std::string& who,
                                   const std::string& example);
    void scope_table(const std::string& who, const std::string& path, const spec::entity& e, const toml::table& t,
                     row_scope& out);

    bool retired_subscription(const std::string& name) const { return retired_ && retired_->subscriptions.count(name); }
    bool retired_entity(const std::string& name) const { return retired_ && retired_->entities.count(name); }

    const spec::app& app_;
    std::string source_;
    const retired_names* retired_ = nullptr;
    std::vector<std::tuple<int, int, std::string>> errors_;
};

}  // namespace rt::server
