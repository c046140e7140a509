#pragma once
// Which streams a row change may touch, found by lookup instead of testing every stream's filter.
// Streams are filed by subscription name → filter key set → canonical filter text; a row is
// projected onto each key set in use and the projection looked up. Pure: no I/O, no lock (the
// hub's lock guards it like the streams it points at).
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"
#include "server/stream.hpp"

namespace rt::server {

// A subscribe filter in canonical form: values of the subscription entity's number attributes
// normalized to the attribute's type (so {"priority":3} and a row's {"priority":3.0} meet), keys
// sorted (a JSON object). Not an object, or an unknown entity: {}.
nlohmann::json canonical_filter(const spec::app& app, const spec::subscription& sub, const nlohmann::json& filter);

// The filter a row belongs to for a key set: the row's values of `keys` (null when missing),
// normalized like canonical_filter. Equal to the canonical filter of the stream it would land in.
nlohmann::json project_row(const spec::entity& e, const nlohmann::json& row, const std::vector<std::string>& keys);

class stream_index {
public:
    explicit stream_index(const spec::app& app) : app_(app) {}

    // Files a stream under its sub, filter_keys and filter (canonical). One stream per (sub, filter):
    // adding another with the same pair replaces the first.
    void add(stream& st);
    // Unfiles a stream; nothing happens when it is not filed.
    void remove(const stream& st);

    // The streams, of every subscription on `entity`, whose filter equals the projection of the row
    // before or after a change (nullptr: no such row, as for an insert or a delete), each once,
    // grouped by subscription in spec order. A candidate may still see no event: its view's `where`
    // (spec::view_change) decides.
    std::vector<stream*> candidates(const spec::entity& entity, const nlohmann::json* before,
                                    const nlohmann::json* after) const;

    // Streams filed (for tests and checks).
    std::size_t size() const;

private:
    const spec::app& app_;
    std::map<std::string, std::map<std::vector<std::string>, std::unordered_map<std::string, stream*>>> by_sub_;
};

}  // namespace rt::server
