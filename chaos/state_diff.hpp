#pragma once
// Compares a subscriber's rebuilt state with the server's current view (after a resync). Pure.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::chaos {

using row_map = std::map<std::string, nlohmann::json>;  // entity id → row

struct state_diff {
    std::vector<std::string> missing;    // ids expected but not rebuilt
    std::vector<std::string> extra;      // ids rebuilt but not expected
    std::vector<std::string> different;  // ids in both whose rows differ
    bool equal() const { return missing.empty() && extra.empty() && different.empty(); }
};

// Returns every id that differs, sorted. Rows compare as JSON values (object key order is irrelevant).
state_diff compare_state(const row_map& rebuilt, const row_map& expected);

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(state_diff, missing, extra, different)

}  // namespace rt::chaos
