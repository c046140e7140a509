#pragma once
// REST on the WebSocket port, without the transport: GET/POST/PATCH/DELETE /api/<Entity>[/<id>],
// /healthz and /metrics. The transport passes method, path, body and the caller's rights in.
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "server/hub.hpp"

namespace rt::server {

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// "/live?token=a%20b&x=1" → path "/live", query {token: "a b", x: "1"}.
void split_resource(std::string_view resource, std::string& path, std::map<std::string, std::string>& query);

struct http_call {
    std::string_view method, path, body;
    std::string_view content_type;  // the request's Content-Type header ("" when absent)
    const rights* who = nullptr;    // nullptr: no valid token (401 except for /healthz)
    // Takes one mutation from the caller's budget (shared with its WebSocket publishes); false: 429.
    std::function<bool()> take_mutation;
    std::function<std::string()> metrics_text;  // renders /metrics
};

// Handles one request (the transport has already checked the Origin). Reads and writes are
// decided by authorize() through the hub; /metrics needs the admin right; mutations need
// Content-Type: application/json (a cross-site "simple" request cannot send it without a
// preflight) and a mutation budget.
http_response handle_http(hub& h, const http_call& call);

// True when a Content-Type header value names application/json (parameters such as charset allowed).
bool is_json_content_type(std::string_view content_type);

}  // namespace rt::server
