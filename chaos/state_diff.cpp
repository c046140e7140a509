#include "chaos/state_diff.hpp"

namespace rt::chaos {

state_diff compare_state(const row_map& rebuilt, const row_map& expected) {
    state_diff d;
    for (const auto& [id, row] : expected) {
        auto it = rebuilt.find(id);
        if (it == rebuilt.end()) d.missing.push_back(id);
        else if (it->second != row) d.different.push_back(id);
    }
    for (const auto& [id, row] : rebuilt)
        if (!expected.count(id)) d.extra.push_back(id);
    return d;
}

}  // namespace rt::chaos
