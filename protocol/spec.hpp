#pragma once
// The spec language's IR: an app's entities, views and subscriptions (docs/spec-language.md).
// Built by parse_spec() (spec_parser.cpp); everything here is immutable once parsed.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::spec {

using json = nlohmann::json;

struct source_pos {
    int line = 0;  // 1-based
    int col = 0;   // 1-based
};

enum class attr_kind { string, integer, floating, boolean, enumeration, ref };

struct attr_type {
    attr_kind kind = attr_kind::string;
    std::vector<std::string> choices;  // enumeration: the allowed string literals
    std::string ref_entity;            // ref: the referenced entity (values are its ids, strings)
};
std::string to_string(const attr_type& t);  // "string", "int", "\"todo\" | \"done\"", "ref User"

struct attribute {
    std::string name;
    attr_type type;
    source_pos pos;
};

struct entity {
    std::string name;
    std::vector<attribute> attrs;  // the implicit `id` (string) is not listed here
    source_pos pos;
    // nullptr when the entity has no such attribute; "id" yields a static string attribute.
    const attribute* find(std::string_view attr) const;
};

enum class cmp_op { eq, ne, lt, le, gt, ge };

// A `where` expression tree.
struct expr {
    enum class kind { compare, and_, or_, not_ } k = kind::compare;
    // compare: `attr op value`; value is a JSON string, number, bool or null.
    cmp_op op = cmp_op::eq;
    std::string attr;
    json value;
    source_pos pos;
    // and_/or_: lhs and rhs; not_: lhs only.
    std::shared_ptr<const expr> lhs, rhs;
};
using expr_ptr = std::shared_ptr<const expr>;

struct view {
    std::string name;
    std::string entity;
    expr_ptr where;  // nullptr: every row
    source_pos pos;
};

enum class subscription_kind {
    view,    // `subscription S: view V`   events when rows enter, change in, or leave V
    by_id,   // `subscription S: E by id`  one record; the client's filter must name its id
    entity,  // `subscription S: E`        every change to E
};

struct subscription {
    std::string name;
    subscription_kind kind = subscription_kind::entity;
    std::string entity;  // the entity whose rows it carries (for views: the view's entity)
    std::string view;    // kind == view: the view's name
    std::int64_t throttle_ms = 0;  // `throttle 100ms`: the default window of a subscribe (0: none)
    source_pos pos;
};

struct app {
    std::string name;
    std::vector<entity> entities;
    std::vector<view> views;
    std::vector<subscription> subscriptions;

    const entity* find_entity(std::string_view name) const;
    const view* find_view(std::string_view name) const;
    const subscription* find_subscription(std::string_view name) const;
    // The `where` of a subscription (its view's predicate), or nullptr when it has none.
    const expr* predicate_of(const subscription& s) const;
};

struct spec_error {
    std::string file;
    source_pos pos;
    std::string message;  // what was expected / what is wrong
    std::string to_string() const;  // "file:line:col: error: message"
};

// Parses and checks a spec. On failure returns every error found (at least one), in source order.
result<app, std::vector<spec_error>> parse_spec(std::string_view text, const std::string& file);

// Reads a spec file's text; a missing/unreadable file is a spec_error at 0:0.
result<std::string, std::vector<spec_error>> read_spec_text(const std::string& path);
// Reads and parses a file (read_spec_text, then parse_spec).
result<app, std::vector<spec_error>> load_spec_file(const std::string& path);

// One-line-per-item summary of what an app declares (for `rt serve --check`).
std::string describe(const app& a);

// Evaluates a where expression on a row (a JSON object). A missing attribute compares as null;
// ordering comparisons with null or between different types are false.
bool eval_where(const expr& e, const json& row);

// ---- rows ----------------------------------------------------------------------------------

enum class row_mode {
    full,   // insert: every attribute may be present; unknown fields and wrong types rejected
    patch,  // update: only the fields that change; `id` required
};

struct field_error {
    std::string field;    // "status", "data.id", ... (empty when the row itself is wrong)
    std::string message;  // "expected one of \"todo\" | \"doing\" | \"done\", got \"later\""
};

// Validates a row against an entity's attribute types. `id`, when present, must be a string.
// Returns ok, or the first problem found.
result<void, field_error> validate_row(const entity& e, const json& row, row_mode mode);

// ---- view maintenance ----------------------------------------------------------------------

enum class change { none, insert, update, remove };
std::string_view to_wire(change c);  // "insert" | "update" | "delete" ("" for none)

// What a subscription emits for one row change. `before`/`after` are nullptr when the row did not
// exist before (an insert) / does not exist after (a delete). `in(row)` = row passes the
// subscription's predicate and `extra` (a client filter, may be null/empty). Emits insert when the
// row enters (!in(before) && in(after)), update when it stays in, remove when it leaves.
change view_change(const app& a, const subscription& s, const json* before, const json* after,
                   const json* filter = nullptr);

// ---- client filters ------------------------------------------------------------------------

// The most combinations of values a filter's sets may make (the product of their sizes): the
// stream index files a stream once per combination.
inline constexpr std::size_t max_filter_combinations = 256;

// Validates a client filter for a subscription: an object of tests on declared attributes (or
// `id`), each a value of the attribute's type (or null: unset), a non-empty set of such values
// (an array; not on float attributes), or a prefix pattern ("team-a/*", string and ref
// attributes, at most one per filter; see protocol/filter_term.hpp). `by_id` subscriptions
// require `id`, one plain value. Returns ok, or the error message (for INVALID_FILTER), naming
// the attribute. Null/absent filter == {}.
result<void, std::string> validate_filter(const app& a, const subscription& s, const json& filter);

// True when the row passes every test in the filter (an empty/null filter matches all).
bool filter_matches(const json& filter, const json& row);

}  // namespace rt::spec
