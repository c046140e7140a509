#pragma once
// A chaos scenario's workload on its spec: the scenario's keys (subscription, filter_attr,
// filter_values, entity, vary, and the older boards / filter / tasks_per_board) made into a
// spec::workload, plus how many rows the publisher keeps per stream. Pure.
#include <cstdint>

#include "chaos/scenario.hpp"
#include "protocol/result.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::chaos {

struct scenario_workload {
    spec::workload plan;
    std::uint32_t row_groups = 1;      // groups of rows: the plan's streams, or `boards` when unfiltered
    std::uint32_t rows_per_group = 1;  // tasks_per_board (1 by id: each stream is one row)
    // The stream group g's rows belong to.
    std::uint32_t stream_of(std::uint32_t group) const { return plan.filter_attr.empty() ? 0 : group; }
};

// Plans `sc` on the parsed spec `a`: `filter = "board"|"none"` stands for filter_attr, `boards`
// for the number of streams (or of row groups when unfiltered). Errors as plan_workload's.
result<scenario_workload, std::string> plan_scenario_workload(const scenario& sc, const spec::app& a);

}  // namespace rt::chaos
