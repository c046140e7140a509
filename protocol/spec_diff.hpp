#pragma once
// What a live spec reload changes (rt serve --watch / SIGHUP, docs/operations.md "Live spec
// reload"): which subscriptions the new spec adds, changes and removes, and which entities.
// Pure: the server decides from it which streams carry on (same epoch and seq) and which start
// over.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"

namespace rt::spec {

// Everything that defines the events of a subscription's streams, as canonical JSON (the IR of
// protocol/spec_ir_json.hpp): the subscription (kind, entity, view, throttle), its view's `where`
// and its entity's attributes (which also decide the filters a subscribe may give). Two
// subscriptions with equal definitions emit the same events for the same changes.
nlohmann::json subscription_definition(const app& a, const subscription& s);

struct spec_diff {
    // Subscription names, each list sorted.
    std::vector<std::string> added, changed, removed;
    // Entity names, each list sorted: added, removed, or whose attributes changed.
    std::vector<std::string> entities_added, entities_changed, entities_removed;
    // True when no subscription was added, changed or removed (entities may still differ).
    bool subscriptions_same() const { return added.empty() && changed.empty() && removed.empty(); }
};

// Compares two apps: a subscription is "changed" when its subscription_definition differs.
spec_diff diff_specs(const app& old_app, const app& next_app);

}  // namespace rt::spec
