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

// Handles one request. `who` is nullptr when the request carried no valid token (the API then
// answers 401 except for /healthz). `metrics_text` renders /metrics.
http_response handle_http(hub& h, std::string_view method, std::string_view path, std::string_view body,
                          const rights* who, const std::function<std::string()>& metrics_text);

}  // namespace rt::server
