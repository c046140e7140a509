#pragma once
// CORS for the browser origins --allowed-origins lets in (docs/protocol.md "CORS"): the headers of
// a preflight answer and of an ordinary response. Whether an origin is allowed is origin_policy's
// decision, made by the transport first (a refused origin gets 403 and none of these headers).
// Pure: no I/O.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::server {

using http_headers = std::vector<std::pair<std::string, std::string>>;

// The paths a preflight (OPTIONS) is answered for: the REST API (/api/...) and SSE (/sse).
bool cors_preflight_path(std::string_view path);

// The headers of a 204 answer to a preflight from `origin` (allowed, not empty): the origin
// echoed, the methods and request headers rt's API takes, how long a browser may cache the answer.
http_headers cors_preflight_headers(std::string_view origin);

// The headers of any other response to a request from `origin` (allowed): the origin echoed and
// Vary: Origin (the answer differs by origin, so caches must key on it). None when `origin` is
// empty (not a browser's cross-origin request).
http_headers cors_response_headers(std::string_view origin);

}  // namespace rt::server
