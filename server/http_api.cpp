#include "server/http_api.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "protocol/spec_ir_json.hpp"
#include "protocol/text_check.hpp"
#include "server/server_info.hpp"
#include "server/web_assets.hpp"

namespace rt::server {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Percent-decoding. `plus_is_space`: '+' means a space in a form-encoded query only; in a path it is
// a plus (RFC 3986). `keep_separators`: %2F and %25 stay encoded (a '%' that starts no escape is
// written %25), so that the result still splits at the path's real slashes and a later decode of
// each segment gives the original bytes.
std::string url_decode(std::string_view s, bool plus_is_space, bool keep_separators = false) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            const char c = static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            if (keep_separators && (c == '/' || c == '%')) out += c == '/' ? "%2F" : "%25";
            else out.push_back(c);
            i += 2;
        } else if (s[i] == '%' && keep_separators) {
            out += "%25";
        } else if (s[i] == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

http_response json_error(int status, proto::error_code code, const std::string& message, const std::string& field = {}) {
    json body = {{"error", std::string(proto::to_wire(code))}, {"message", message}};
    if (!field.empty()) body["field"] = field;
    return {status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

int status_of(proto::error_code c) {
    switch (c) {
        case proto::error_code::not_found: return 404;
        case proto::error_code::forbidden: return 403;
        case proto::error_code::auth_required: return 401;
        case proto::error_code::rate_limited: return 429;
        case proto::error_code::unavailable: return 503;
        default: return 400;
    }
}

// The row, or the error with the row's attribute at fault as "field" when one is known.
http_response from_result(const result<json, proto::protocol_error>& r, int ok_status) {
    if (!r) {
        const proto::protocol_error& e = r.error();
        return json_error(status_of(e.code), e.code, e.message, e.field.value_or(""));
    }
    return {ok_status, "application/json", r.value().dump()};
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : s) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out.push_back(static_cast<char>(ch));
        } else {
            out.push_back('%');
            out.push_back(hex[ch >> 4]);
            out.push_back(hex[ch & 15]);
        }
    }
    return out;
}

// GET /api/<Entity>[?limit=N][&after=ID]: one page, in id order, as a JSON array; a
// `Link: </api/<Entity>?limit=N&after=LAST>; rel="next"` header when more rows follow.
http_response list_page(hub& h, const rights& who, const std::string& entity, const std::map<std::string, std::string>* query) {
    std::size_t limit = k_page_default_rows;
    std::string after;
    if (query) {
        if (auto l = query->find("limit"); l != query->end()) {
            const std::string& v = l->second;
            if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0)
                return json_error(400, proto::error_code::bad_request,
                                  "limit must be a whole number from 1 (at most " + std::to_string(k_page_max_rows) +
                                      " rows are returned)", "limit");
            limit = std::min<std::size_t>(std::stoul(v), k_page_max_rows);
        }
        if (auto a = query->find("after"); a != query->end()) after = a->second;
    }
    auto r = h.list_rows(who, entity, after, limit, k_page_max_bytes);
    if (!r) return json_error(status_of(r.error().code), r.error().code, r.error().message);
    http_response out{200, "application/json", r.value().rows.dump(-1, ' ', false, json::error_handler_t::replace), {}};
    if (r.value().next_after)
        out.link = "</api/" + url_encode(entity) + "?limit=" + std::to_string(limit) + "&after=" +
                   url_encode(*r.value().next_after) + ">; rel=\"next\"";
    return out;
}

}  // namespace

void split_resource(std::string_view resource, std::string& path, std::map<std::string, std::string>& query) {
    auto q = resource.find('?');
    path = url_decode(resource.substr(0, q), false, true);
    if (q == std::string_view::npos) return;
    std::string_view rest = resource.substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        std::string key = url_decode(pair.substr(0, eq), true);
        std::string val = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
        if (!key.empty()) query[key] = val;
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
}

std::optional<api_target> parse_api_path(std::string_view path) {
    constexpr std::string_view prefix = "/api/";
    if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    api_target t;
    t.entity = url_decode(rest.substr(0, slash), false);
    if (slash == std::string_view::npos) return t;
    rest = rest.substr(slash + 1);
    const auto next = rest.find('/');
    t.id = url_decode(rest.substr(0, next), false);
    t.nested = next != std::string_view::npos;
    return t;
}

bool is_json_content_type(std::string_view ct) {
    auto semi = ct.find(';');
    std::string_view media = ct.substr(0, semi);
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
    constexpr std::string_view want = "application/json";
    if (media.size() != want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(media[i])) != want[i]) return false;
    return true;
}

http_response handle_http(hub& h, const http_call& call) {
    const std::string_view method = call.method, path = call.path, body = call.body;
    const rights* who = call.who;
    const spec::app& app = h.app();  // once per request: a live reload may replace it meanwhile
    if (path == "/healthz") {
        if (call.broker_up && !call.broker_up())
            return {503, "application/json", "{\"status\":\"unavailable\",\"broker\":\"unreachable\"}"};
        return {200, "application/json", "{\"status\":\"ok\"}"};
    }
    // The browser files (rt.js, the inspector, the kanban demo) hold no data: no token needed.
    if (const web_asset* asset = find_web_asset(path)) {
        if (method != "GET") return json_error(405, proto::error_code::bad_request, "use GET " + std::string(path));
        return {200, asset->content_type, std::string(asset->bytes())};
    }
    if (!who) return json_error(401, proto::error_code::auth_required, "send Authorization: Bearer <token>");
    if (path == "/metrics") {
        if (method != "GET") return json_error(405, proto::error_code::bad_request, "use GET /metrics");
        if (auto d = authorize(*who, app, metrics_action{}); !d) return json_error(403, d.error().code, d.error().message);
        return {200, "text/plain; version=0.0.4", call.metrics_text()};
    }
    // Any valid token may read the spec: it names entities and subscriptions, never rows. An app
    // with an entity named `_spec` keeps /api/_spec for its rows.
    if (path == "/api/_spec" && !app.find_entity("_spec")) {
        if (method != "GET") return json_error(405, proto::error_code::bad_request, "use GET /api/_spec");
        if (call.query && call.query->count("format") && call.query->at("format") == "json") {
            json ir = spec::to_ir_json(app);
            ir["version"] = spec::ir_hash(app);  // of this very app (the text's may be a reload newer or older)
            return {200, "application/json", ir.dump()};
        }
        return {200, "text/plain; charset=utf-8", std::string(call.spec_text)};
    }
    // The same for the endpoint's AsyncAPI document: entities and messages, no rows.
    if (path == "/api/_asyncapi" && call.asyncapi && !app.find_entity("_asyncapi")) {
        if (method != "GET") return json_error(405, proto::error_code::bad_request, "use GET /api/_asyncapi");
        spec::asyncapi_options opts = *call.asyncapi;
        spec::asyncapi_options asked = opts;  // the address the client used, when it is a HOST[:PORT]
        if (!call.host.empty() && call.host.find('/') == std::string_view::npos &&
            spec::set_asyncapi_url(asked, opts.scheme + "://" + std::string(call.host)))
            opts.host = asked.host;
        return {200, "application/json", spec::to_asyncapi(app, opts).dump()};
    }
    // The same for what the server announces (limits, features) and the caller's own rights: no rows either.
    if (path == "/api/_info" && !app.find_entity("_info")) {
        if (method != "GET") return json_error(405, proto::error_code::bad_request, "use GET /api/_info");
        return {200, "application/json", server_info_for(call.info_text, *who, call.development, call.spec_version)};
    }
    const std::optional<api_target> target = parse_api_path(path);
    if (!target)
        return json_error(404, proto::error_code::not_found,
                          "no such endpoint; try /api/<Entity>, /healthz, /metrics, or a WebSocket upgrade");
    const std::string& entity = target->entity;
    const std::string& id = target->id;
    if (!app.find_entity(entity)) return json_error(404, proto::error_code::not_found, "no entity named '" + entity + "'");
    // The URL is percent-decoded raw bytes: an id must be UTF-8 text, as every id sent as JSON is.
    if (!proto::valid_utf8(id))
        return json_error(400, proto::error_code::bad_request, "the id in the URL is not valid UTF-8 (percent-encode UTF-8 text)", "id");
    if (target->nested) return json_error(404, proto::error_code::not_found, "no such endpoint: " + std::string(path));

    auto parse_body = [&](json& out) -> std::optional<http_response> {
        out = json::parse(body, nullptr, false);
        if (out.is_discarded()) return json_error(400, proto::error_code::bad_request, "request body is not valid JSON");
        if (!out.is_object()) return json_error(400, proto::error_code::bad_request, "request body must be a JSON object");
        return std::nullopt;
    };

    if (method == "GET" && id.empty()) return list_page(h, *who, entity, call.query);
    if (method == "GET") return from_result(h.get_row(*who, entity, id), 200);
    const bool mutation = (method == "POST" && id.empty()) || ((method == "PATCH" || method == "DELETE") && !id.empty());
    if (mutation) {
        // DELETE has no body: it only must not claim a non-JSON one (it is never a "simple" request).
        if (method == "DELETE" ? !call.content_type.empty() && !is_json_content_type(call.content_type)
                               : !is_json_content_type(call.content_type))
            return json_error(415, proto::error_code::bad_request,
                              std::string(method) + " needs Content-Type: application/json" +
                                  (call.content_type.empty() ? std::string(" (none was sent)") : std::string()));
        if (call.take_mutation && !call.take_mutation())
            return json_error(429, proto::error_code::rate_limited,
                              "too many changes: REST mutations and WebSocket publishes share one rate limit; slow down");
    }
    // The change: at once on a single node; with a shared store, answered once this node applied it.
    auto change = [&](const proto::publish_msg& m, int ok_status) -> http_response {
        if (!h.shared() || !call.respond_later) return from_result(h.publish(*who, m), ok_status);
        h.publish_shared(*who, m, [respond = call.respond_later, ok_status](result<json, proto::protocol_error> r) {
            respond(from_result(r, ok_status));
        });
        http_response later;
        later.deferred = true;
        return later;
    };
    proto::publish_msg m;
    m.entity = entity;
    if (method == "POST" && id.empty()) {
        m.op = proto::operation::insert;
        if (auto e = parse_body(m.data)) return *e;
        if (auto idv = m.data.find("id"); idv != m.data.end() && !idv->is_string())
            return json_error(400, proto::error_code::bad_request, "data.id: must be a string", "id");
        return change(m, 201);
    }
    if (method == "PATCH" && !id.empty()) {
        m.op = proto::operation::update;
        if (auto e = parse_body(m.data)) return *e;
        if (auto idv = m.data.find("id"); idv != m.data.end() && *idv != json(id))
            return json_error(400, proto::error_code::bad_request, "data.id: does not match the URL's id", "id");
        m.data["id"] = id;
        return change(m, 200);
    }
    if (method == "DELETE" && !id.empty()) {
        m.op = proto::operation::remove;
        m.data = {{"id", id}};
        return change(m, 200);
    }
    return json_error(405, proto::error_code::bad_request,
                      std::string(method) + " is not allowed here; use GET/POST /api/<Entity> or GET/PATCH/DELETE /api/<Entity>/<id>");
}

}  // namespace rt::server
