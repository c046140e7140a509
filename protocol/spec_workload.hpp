#pragma once
// A load or chaos workload derived from an app's spec: which subscription every connection takes
// (filtered by which attribute, over how many values, or by id, or unfiltered), which entity the
// publishers change, which string attribute carries each change's payload (loadgen's timestamps,
// the chaos checker's change keys), and the insert/update/delete mix. Pure: `rt loadgen` and
// `rt partition run` both plan with plan_workload() and make every row with row_maker, so they
// cannot disagree, and every row they send is valid for the spec (validate_row) and inside the
// subscription's view (eval_where) by construction; tests/protocol/test_spec_workload.cpp holds
// it to that with the spec's own checkers.
//
// Streams ("groups"): connection i takes group i % groups. Group g's filter is {attr: value(g)}:
//   string/ref attribute  the attribute's first letter and g: board → "b0", "b1", ... (the kanban
//                         demo's board names); team: ref Team → "t0", ...
//   int / float           g
//   bool                  false, true (at most 2 groups)
//   "a" | "b" union       the g-th literal (at most as many groups as literals)
//   id (by id)            the id of group g's own row (row_id(tag, g, 0))
// Unfiltered: one group, the filter is absent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/result.hpp"
#include "protocol/spec.hpp"

namespace rt::spec {

// What share of the publishes insert a new row, update one, delete one (percent, summing to 100).
struct change_mix {
    std::uint32_t insert_pct = 0;
    std::uint32_t update_pct = 100;  // updates alone keep every stream's rows fixed: the simplest load
    std::uint32_t delete_pct = 0;
    bool update_only() const { return update_pct == 100; }
};
// "update", "insert=20,update=70,delete=10" (missing parts are 0; the parts must sum to 100).
result<change_mix, std::string> parse_change_mix(std::string_view text);
std::string to_string(const change_mix& m);  // "insert=20,update=70,delete=10"

// What the user asked for (flags or TOML keys); empty means "choose".
struct workload_request {
    std::string subscription;         // "": the first subscription that can be driven
    std::string filter_attr;          // "": choose; "none": unfiltered; "id": one stream per row
    std::uint32_t filter_values = 0;  // streams wanted; 0: default_groups (capped by the attribute's type)
    std::string entity;               // "": the subscription's entity (any other would reach no subscriber)
    std::string vary_attr;            // "": the first string attribute outside the view's `where`
    std::optional<change_mix> mix;    // none: update only
};

struct workload {
    std::string subscription;
    std::string entity;
    std::string filter_attr;   // "" unfiltered; "id" by id
    std::uint32_t groups = 1;  // distinct filters (streams)
    std::string vary_attr;     // a plain string attribute: the payload of every change
    change_mix mix;
    bool by_id() const { return filter_attr == "id"; }
};

// Plans a workload from `req`, choosing what it leaves empty. Errors name what is missing and
// list what exists ("subscription TeamQueue has no filterable attribute 'board'; its entity
// Ticket has: id, subject, ..."); a spec no subscription of which can be driven is an error
// listing why for each. `default_groups` (at least 1) is the number of streams when
// req.filter_values is 0.
result<workload, std::string> plan_workload(const app& a, const workload_request& req, std::uint32_t default_groups);

// One line for stderr: "subscription TeamQueue (view Open of Ticket) filtered by team over 100
// values; publishers change Ticket.subject (insert=0,update=100,delete=0)".
std::string describe(const workload& w, const app& a);
// {"subscription","entity","filter_attr" (null when unfiltered),"filter_values","vary","mix":{...}}
json to_json(const workload& w);

// The id of row `n` of group `g` in run `tag`: "<tag>-g<g>-r<n>"; row 0 is the group's
// long-lived row, the one updates change and by-id streams watch.
std::string row_id(std::string_view tag, std::uint32_t group, std::uint64_t n);

// Makes the rows and filters of a planned workload. Construct once per run (it searches the
// view's `where` for attribute values once); then every call is cheap and thread-safe (const).
class row_maker {
public:
    // `w` must come from plan_workload(a, ...), which has proved the rows exist.
    row_maker(const app& a, const workload& w);

    // The subscribe filter of group g: null when unfiltered. `tag` names the run (by id only).
    json filter(std::uint32_t group, std::string_view tag) const;
    // A full row for an insert: `id`, group g's filter value, `vary` = payload, every other
    // attribute a value of its type chosen so that the row is inside the subscription's view.
    json insert_row(std::uint32_t group, std::string_view id, std::string payload) const;
    // An update: only `id` and the vary attribute.
    json update_row(std::string_view id, std::string payload) const;
    // A delete: only `id`.
    static json delete_row(std::string_view id);

private:
    json filter_value(std::uint32_t group) const;

    const entity* entity_ = nullptr;
    workload w_;
    json template_;  // a row inside the view, filter value and payload still to be set
};

// A row of w's entity inside the subscription's view with group 0's filter value and a payload
// in the vary attribute: every attribute holds a value of its type (or is left unset, null,
// when the `where` needs it so), found by trying the literals the `where` mentions (and their
// neighbours, every union literal, both bools, unset) on the attributes it tests. nullopt when
// no such row exists within the search bound. Group g's rows differ only in the filter value;
// plan_workload checks those too.
std::optional<json> find_row_template(const app& a, const workload& w);

// An update of one attribute (not id, the filter attribute or the vary attribute) that moves `row`,
// a row inside w's view, out of it: {attribute, value}, the value valid for the attribute's type
// (or null: unset). nullopt when the subscription has no `where` or no such single change exists
// (`rt check` then skips the cases of rows leaving a view).
std::optional<std::pair<std::string, json>> find_leaving_change(const app& a, const workload& w, const json& row);

// The value group g filters on (see the top), for the attribute type `t` (not for id).
json group_value(const attribute& attr, std::uint32_t group);
// How many distinct group values attribute type `t` has (UINT32_MAX: unbounded).
std::uint32_t max_groups(const attr_type& t);

}  // namespace rt::spec
