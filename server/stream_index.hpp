#pragma once
// Which streams a row change may touch, found by lookup instead of testing every stream's filter.
// Streams are filed by subscription name → group (filter keys, and the key holding a prefix
// pattern if any) → entry text. A set is expanded: the stream is filed once per combination of
// its sets' values. The entry text is the canonical JSON of the equality keys (plus the pattern's
// prefix); a row is projected onto each group's keys and looked up once, or, for a group with a
// pattern, once per prefix of the row's value (length + 1 lookups). Pure: no I/O, no lock (the
// hub's lock guards it like the streams it points at).
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"
#include "server/stream.hpp"

namespace rt::server {

// A subscribe filter in canonical form: values of the subscription entity's number attributes
// normalized to the attribute's type (so {"priority":3} and a row's {"priority":3.0} meet), sets
// sorted and deduplicated (a one-element set is its value: ["b"] and "b" are one stream), keys
// sorted (a JSON object). Not an object, or an unknown entity: {}.
nlohmann::json canonical_filter(const spec::app& app, const spec::subscription& sub, const nlohmann::json& filter);

// The filter a row belongs to for a key set: the row's values of `keys` (null when missing),
// normalized like canonical_filter, a string ending in '*' in its literal spelling ("a\\*"). Equal
// to the canonical filter of the equality stream it would land in (not of set or pattern streams).
nlohmann::json project_row(const spec::entity& e, const nlohmann::json& row, const std::vector<std::string>& keys);

class stream_index {
public:
    explicit stream_index(const spec::app& app) : app_(&app) {}
    // A spec reload: the subscriptions candidates() walks (their names file the streams, so the
    // streams filed stay filed).
    void set_app(const spec::app& app) { app_ = &app; }

    // Files a stream under its sub and filter (canonical, valid). One stream per (sub, filter):
    // adding another with the same pair replaces the first.
    void add(stream& st);
    // Unfiles a stream; nothing happens when it is not filed.
    void remove(const stream& st);

    // The streams, of every subscription on `entity`, whose filter the row before or after a
    // change (nullptr: no such row, as for an insert or a delete) matches, each once, grouped by
    // subscription in spec order. A candidate may still see no event: its view's `where` and its
    // filter (spec::view_change) decide.
    std::vector<stream*> candidates(const spec::entity& entity, const nlohmann::json* before,
                                    const nlohmann::json* after) const;

    // Streams filed (for tests and checks).
    std::size_t size() const { return filed_.size(); }
    // Entry lookups made by candidates() since construction: a test reads it to show that a change
    // costs lookups in proportion to its values' lengths, not to the number of streams.
    std::size_t probes() const { return probes_; }

private:
    struct group {
        std::vector<std::string> eq_keys;  // compared by equality (a set's values one by one)
        std::string prefix_key;            // "" when the filters of this group have no pattern
        std::unordered_map<std::string, std::vector<stream*>> entries;
    };
    using group_id = std::pair<std::vector<std::string>, std::string>;  // (eq_keys, prefix_key)

    const spec::app* app_;
    std::map<std::string, std::map<group_id, group>> by_sub_;
    std::unordered_map<std::string, stream*> filed_;  // sub + '\x1f' + filter text → stream
    mutable std::size_t probes_ = 0;
};

}  // namespace rt::server
