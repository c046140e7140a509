#pragma once
// A publish applied to the current rows, not yet stored: validation and the rows before and after.
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"
#include "protocol/result.hpp"
#include "protocol/spec.hpp"
#include "server/store.hpp"

namespace rt::server {

struct row_change {
    std::string id;
    std::optional<nlohmann::json> before;  // none for an insert
    std::optional<nlohmann::json> after;   // none for a delete
    const nlohmann::json* before_row() const { return before ? &*before : nullptr; }
    const nlohmann::json* after_row() const { return after ? &*after : nullptr; }
};

// Checks a publish on `entity` against the spec and the current rows of `db` (read only), and
// computes the change: an insert keeps its id or gets a fresh one drawn from `rng` (12 hex digits,
// unused), an update is merged into a copy of the current row, a delete removes it. Errors:
// BAD_REQUEST (data invalid for the spec, an empty or existing id on insert), NOT_FOUND (update or
// delete of a missing row). An error about one attribute of `data` names it in `field` ("status",
// "id"). Rights are not checked here.
result<row_change, proto::protocol_error> apply_publish(const spec::entity& entity, const store& db,
                                                        std::mt19937_64& rng, const proto::publish_msg& m);

}  // namespace rt::server
