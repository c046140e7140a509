#include "loadgen/workload_source.hpp"

#include <algorithm>

#include "client/ws_url.hpp"
#include "client/http_client.hpp"

namespace rt::loadgen {

namespace {


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
        // A reply over 1 MiB is refused (http_exchange's cap): specs are a few KiB.
        auto reply = client::http_exchange(client::http_url{url->host, url->port, ""},
                                           client::http_call{"GET", spec_endpoint, "", c.token}, fetch_timeout);
        if (!reply) return make_unexpected(workload_error{false, "cannot fetch the spec from " + where + ": " + reply.error()});
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
