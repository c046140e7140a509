#include "server/cors.hpp"

namespace rt::server {

namespace {
// 10 minutes: Chromium's own cap on Access-Control-Max-Age; a longer value would be cut to it.
constexpr std::string_view k_cors_max_age_s = "600";
}  // namespace

bool cors_preflight_path(std::string_view path) { return path == "/sse" || path.substr(0, 5) == "/api/"; }

http_headers cors_preflight_headers(std::string_view origin) {
    http_headers h = cors_response_headers(origin);
    h.emplace_back("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
    // Authorization: the token; Content-Type: application/json on mutations; Last-Event-ID: an
    // SSE client's own resume (EventSource sends it on reconnects).
    h.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
    h.emplace_back("Access-Control-Max-Age", std::string(k_cors_max_age_s));
    return h;
}

http_headers cors_response_headers(std::string_view origin) {
    if (origin.empty()) return {};
    return {{"Access-Control-Allow-Origin", std::string(origin)}, {"Vary", "Origin"}};
}

}  // namespace rt::server
