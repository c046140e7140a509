#include "loadgen/workload_source.hpp"

#include <algorithm>

#include "client/spec_source.hpp"

namespace rt::loadgen {

result<void, workload_error> resolve_workload(loadgen_config& c, std::chrono::milliseconds fetch_timeout) {
    if (c.spec.empty()) return {};
    auto parsed = client::load_app_spec(c.spec, first_url(c), c.token, fetch_timeout, c.tls);
    if (!parsed) return make_unexpected(workload_error{parsed.error().usage, parsed.error().message});
    auto app = std::make_shared<const spec::app>(std::move(parsed).value());
    auto plan = spec::plan_workload(*app, c.request, std::max<std::uint32_t>(1, c.conns / 10));
    if (!plan) return make_unexpected(workload_error{true, plan.error()});
    c.app = std::move(app);
    c.plan = std::move(plan).value();
    c.boards = c.plan->groups;
    if (auto r = check_streams_cover_nodes(c); !r) return make_unexpected(workload_error{true, r.error()});
    return {};
}

}  // namespace rt::loadgen
