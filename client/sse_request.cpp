#include "client/sse_request.hpp"

#include "client/ws_url.hpp"
#include "protocol/host_port.hpp"
#include "protocol/sse_events.hpp"

namespace rt::client {

result<sse_request, std::string> sse_request_of(std::string_view ws_url_text, const proto::subscribe_msg& sub,
                                                std::string_view token) {
    auto parsed = parse_ws_url(ws_url_text);
    if (!parsed) return make_unexpected(parsed.error());
    ws_url u = std::move(parsed.value());
    u.path = std::string(sse_path);
    u.query.clear();
    add_query_param(u, "subscription", sub.subscription);
    if (sub.filter.is_object() && !sub.filter.empty()) add_query_param(u, "filter", sub.filter.dump());
    if (!token.empty()) add_query_param(u, "token", token);
    if (sub.throttle_ms) add_query_param(u, "throttle", std::to_string(*sub.throttle_ms) + "ms");
    sse_request r;
    r.host = u.host;
    r.port = u.port;
    r.secure = u.secure;
    r.target = u.path + "?" + u.query;
    if (sub.since) r.last_event_id = proto::sse_event_id(*sub.since);
    return r;
}

std::string to_string(const sse_request& r) {
    return (r.secure ? "https://" : "http://") + proto::to_string(proto::host_port{r.host, r.port}) + r.target;
}

}  // namespace rt::client
