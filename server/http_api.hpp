#pragma once
// REST on the WebSocket port, without the transport: GET/POST/PATCH/DELETE /api/<Entity>[/<id>],
// GET /api/_spec (the spec's text), GET /api/_info (server_info.hpp), GET /api/_asyncapi
// (protocol/asyncapi.hpp), /healthz and /metrics. The transport passes method, path, body and the caller's rights in.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/asyncapi.hpp"
#include "server/hub.hpp"

namespace rt::server {

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string link{};  // a Link header (the next page of a list), when not empty
    // With a shared store a change is answered later, through http_call::respond_later: the
    // transport defers the response (this one is not sent).
    bool deferred = false;
};

// Paging of GET /api/<Entity> (?limit=N&after=ID). A page also ends before the row that would take
// its body past k_page_max_bytes (it always holds at least one row), so a client that does not
// read pins at most about that much per request, and only until websocketpp's open-handshake
// timer (5 s from accept, which also runs while an HTTP response is written) drops it.
constexpr std::size_t k_page_default_rows = 100;   // a screenful; lists grow with the store, pages do not
constexpr std::size_t k_page_max_rows = 1000;      // larger requests get this many
constexpr std::size_t k_page_max_bytes = 256 << 10; // 256 KiB: ~1,000 rows of 250 B, or 4 rows at the 64 KiB frame limit

// "/live?token=a%20b+c&x=1" → path "/live", query {token: "a b c", x: "1"}. The path is decoded
// too, except that %2F and %25 stay encoded (and a '%' that starts no escape becomes %25): an
// encoded slash is part of a segment, not a separator, so parse_api_path() splits the path at its
// real slashes and then decodes each segment. '+' is a space in the query only (form encoding);
// in the path it is a plus (RFC 3986).
void split_resource(std::string_view resource, std::string& path, std::map<std::string, std::string>& query);

// What a REST path names: "/api/Task/a%2Fb" (as split_resource() gives it) → entity "Task", id
// "a/b"; "/api/Task" or "/api/Task/" → id "". `nested`: more segments follow the id
// ("/api/Task/a/b"), an endpoint that does not exist. nullopt: the path is not under /api/.
struct api_target {
    std::string entity, id;
    bool nested = false;
};
std::optional<api_target> parse_api_path(std::string_view path);

struct http_call {
    std::string_view method, path, body;
    const std::map<std::string, std::string>* query = nullptr;  // the URL's query parameters, decoded
    std::string_view content_type;  // the request's Content-Type header ("" when absent)
    const rights* who = nullptr;    // nullptr: no valid token (401 except for /healthz)
    // Takes one mutation from the caller's budget (shared with its WebSocket publishes); false: 429.
    std::function<bool()> take_mutation;
    std::function<std::string()> metrics_text;  // renders /metrics
    std::string_view spec_text;                 // GET /api/_spec: the spec the server runs
    std::string_view spec_version;              // its version (spec::ir_hash): ?format=json and /api/_info name it
    std::string_view info_text;                 // GET /api/_info: what the server announces (server_info.hpp)
    // GET /api/_asyncapi: the server's scheme, path and auth (set at start-up); the host is the
    // request's `host` when that is a HOST[:PORT], else the address the server was told to listen on.
    const spec::asyncapi_options* asyncapi = nullptr;
    std::string_view host;                      // the request's Host header ("" when absent)
    bool development = false;                   // no tokens file: GET /api/_info says "rights":"all"
    // --broker: whether Redis is reachable now (/healthz answers 503 when not); empty without one.
    std::function<bool()> broker_up;
    // --broker: sends the response of a change that was answered `deferred` (any thread, once).
    std::function<void(http_response)> respond_later;
};

// Handles one request (the transport has already checked the Origin). Reads and writes are
// decided by authorize() through the hub; /metrics needs the admin right; mutations need
// Content-Type: application/json (a cross-site "simple" request cannot send it without a
// preflight) and a mutation budget.
http_response handle_http(hub& h, const http_call& call);

// True when a Content-Type header value names application/json (parameters such as charset allowed).
bool is_json_content_type(std::string_view content_type);

}  // namespace rt::server
