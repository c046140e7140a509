#include "chaos/scenario_workload.hpp"

namespace rt::chaos {

result<scenario_workload, std::string> plan_scenario_workload(const scenario& sc, const spec::app& a) {
    spec::workload_request req = sc.request;
    if (req.filter_attr.empty() && sc.filter_given) req.filter_attr = sc.filter_by_board ? "board" : "none";
    auto plan = spec::plan_workload(a, req, sc.boards);
    if (!plan) return make_unexpected(plan.error());
    scenario_workload w;
    w.plan = std::move(plan).value();
    w.row_groups = w.plan.filter_attr.empty() ? sc.boards : w.plan.groups;
    w.rows_per_group = w.plan.by_id() ? 1 : sc.tasks_per_board;
    return w;
}

}  // namespace rt::chaos
