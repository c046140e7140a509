#pragma once
// The little HTTP/1.1 the control API needs (parse a request head, format a response) and the REST
// publisher of a chaos scenario (parse a whole response). Pure.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::client {

struct http_request {
    std::string method;                          // "GET"
    std::string path;                            // "/faults" (query string removed)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// Parses "METHOD TARGET HTTP/1.x\r\nName: value\r\n...\r\n\r\n" (the body is not included).
// Returns the request with an empty body, or an error saying what is malformed.
result<http_request, std::string> parse_request_head(std::string_view head);

// The body length a request announces: 0 without Content-Length, nullopt when it is not a number.
std::optional<std::size_t> content_length(const http_request& req);

// A response whose body is `j` dumped on one line and a newline.
http_response json_response(int status, const nlohmann::json& j);

// Serializes with Content-Length and "Connection: close" (one request per connection).
std::string serialize(const http_response& res);

// Parses a whole response as read up to the end of a "Connection: close" exchange: status line,
// headers, and the body (cut to Content-Length when given). Chunked bodies are refused (an error).
result<http_response, std::string> parse_response(std::string_view whole);

}  // namespace rt::client
