#pragma once
// What `rt check` needs to know about the app under test, derived from its spec: the entity the
// cases write, the subscription they watch (filtered by a string attribute, so each case gets
// streams of its own with a fresh value), a row that lies inside that subscription's view, the
// attribute updates change, and — when the spec allows — an update that moves a row out of the
// view, a second subscription the same row reaches, and a `by id` subscription. Pure.
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"
#include "protocol/spec.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::check {

struct app_shape {
    spec::app app;
    std::string entity;
    std::string subscription;   // filtered by filter_attr
    std::string filter_attr;    // a string (or ref) attribute: every case picks fresh values
    std::string vary_attr;      // a string attribute outside the view's `where`: updates change it
    nlohmann::json row_template;  // a row inside the view (without id, filter value, payload)
    // An update {attribute, value} that moves a row out of the view; none: the subscription has no
    // `where` (every row of the entity is in), so rows only leave it by delete.
    std::optional<std::pair<std::string, nlohmann::json>> leave;
    std::string second_subscription;  // another subscription the template row is in ("" when none)
    bool second_filtered = false;     // it takes the same filter attribute (else unfiltered)
    std::string by_id_subscription;   // a `by id` subscription of the entity ("" when none)
    std::string typed_attr;           // an attribute that refuses a JSON string ("" when every one is a string)

    // "Task (subscription TaskUpdates, view ActiveTasks, filtered by board; rows leave it when status = "done")"
    std::string describe() const;
};

// Chooses the best subscription of `a` for the cases (one with a view and a leaving update
// first). The error says why no subscription can be used.
result<app_shape, std::string> derive_shape(const spec::app& a);

}  // namespace rt::check
