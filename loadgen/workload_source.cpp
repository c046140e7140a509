#include "loadgen/workload_source.hpp"

#include <algorithm>

#include "client/ws_url.hpp"
#include "loadgen/http_get.hpp"

namespace rt::loadgen {

namespace {

constexpr std::size_t max_spec_bytes = 1 << 20;  // specs are a few KiB; a megabyte is not a spec

std::string spec_errors_text(const std::vector<spec::spec_error>& errors) {
    std::string out;
    for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e.to_string();
    return out;
}

}  // namespace

result<void, workload_error> resolve_workload(loadgen_config& c, std::chrono::milliseconds fetch_timeout) {
    if (c.spec.empty()) return {};
    result<spec::app, std::vector<spec::spec_error>> parsed = make_unexpected(std::vector<spec::spec_error>{});
    if (c.spec == "server") {
        auto url = client::parse_ws_url(c.url);
        if (!url) return make_unexpected(workload_error{true, url.error()});
        const std::string where = "http://" + url->host + ":" + std::to_string(url->port) + spec_endpoint;
        auto reply = http_get(url->host, url->port, spec_endpoint, c.token, fetch_timeout, max_spec_bytes);
        if (!reply) return make_unexpected(workload_error{false, "cannot fetch the spec from " + where + ": no reply"});
        if (reply->status != 200)
            return make_unexpected(workload_error{false, "cannot fetch the spec from " + where + ": HTTP " +
                                                             std::to_string(reply->status) + " " + reply->body});
        parsed = spec::parse_spec(reply->body, where);
    } else {
        parsed = spec::load_spec_file(c.spec);
    }
    if (!parsed) return make_unexpected(workload_error{true, spec_errors_text(parsed.error())});
    auto app = std::make_shared<const spec::app>(std::move(parsed).value());
    auto plan = spec::plan_workload(*app, c.request, std::max<std::uint32_t>(1, c.conns / 10));
    if (!plan) return make_unexpected(workload_error{true, plan.error()});
    c.app = std::move(app);
    c.plan = std::move(plan).value();
    c.boards = c.plan->groups;
    return {};
}

}  // namespace rt::loadgen
