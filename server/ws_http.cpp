// Plain HTTP requests on the WebSocket port (REST, /healthz, /metrics; handle_http in
// http_api.cpp decides; GET /sse goes to ws_sse.cpp), CORS preflights and headers (cors.hpp), and
// the Origin check shared with the WebSocket handshake.
#include "server/cors.hpp"
#include "server/http_api.hpp"
#include "server/log.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

namespace {

// With tokens, one budget per token (per subject for JWTs): every connection and REST request of
// the token shares it.
// Without, WebSocket publishes keep their connection's own message limit only (the load generator
// publishes from many connections of one address), and REST is limited per client address.
std::string mutation_key(const identity& id, const std::string& remote_ip) {
    if (std::string k = id.budget_key(); !k.empty()) return k;
    return "addr:" + remote_ip;
}

}  // namespace

bool ws_server::origin_allowed(const connection_ptr& con, const char* what) {
    const std::string origin = con->get_request_header("Origin");
    if (origins_.allows(origin)) return true;
    state_.metrics.origin_refusals++;
    log_line(log_level::warn, std::string("refused ") + what + " from " + con->get_remote_endpoint() + ": Origin '" +
                                  log_text(origin) + "' is not in --allowed-origins (" + origins_.describe() + ")");
    con->set_status(websocketpp::http::status_code::forbidden);
    con->replace_header("Content-Type", "application/json");
    con->set_body("{\"error\":\"FORBIDDEN\",\"message\":\"this Origin is not allowed; see --allowed-origins\"}");
    return false;
}

void ws_server::http_error(const connection_ptr& con, int status, proto::error_code code, const std::string& message) {
    std::string body = "{\"error\":";
    proto::append_json_string(body, proto::to_wire(code));
    body += ",\"message\":";
    proto::append_json_string(body, message);
    body += "}";
    con->set_status(static_cast<websocketpp::http::status_code::value>(status));
    con->replace_header("Content-Type", "application/json");
    con->set_body(body);
}

void ws_server::on_http(websocketpp::connection_hdl hdl) {
    connection_ptr con = connection(hdl, "http");
    if (!con) return;
    // websocketpp closes the connection after every plain HTTP response: say so. Without it an
    // HTTP/1.1 client keeps the socket for its next request and, when that races the close, fails
    // it ("other side closed": seen with Node's fetch after a pause between two REST calls).
    con->replace_header("Connection", "close");
    if (!origin_allowed(con, "HTTP request")) return;
    std::string path;
    std::map<std::string, std::string> query;
    split_resource(con->get_resource(), path, query);
    // The Origin passed: a browser's answers carry CORS headers for it (none without an Origin).
    const std::string origin = con->get_request_header("Origin");
    const std::string& method = con->get_request().get_method();
    if (method == "OPTIONS") {
        if (!cors_preflight_path(path))
            return http_error(con, 404, proto::error_code::not_found, "CORS preflights are answered for /api/... and /sse only");
        for (auto& [name, value] : cors_preflight_headers(origin)) con->replace_header(name, value);
        con->replace_header("Allow", "GET, POST, PATCH, DELETE, OPTIONS");
        con->set_status(websocketpp::http::status_code::no_content);
        return;
    }
    for (auto& [name, value] : cors_response_headers(origin)) con->replace_header(name, value);
    if (auto text_ok = check_client_text(query); !text_ok) {
        con->set_status(websocketpp::http::status_code::bad_request);
        con->replace_header("Content-Type", "application/json");
        con->set_body(text_ok.error());
        return;
    }
    if (path == "/sse") return on_sse(con, query);
    // The same token rules as the WebSocket handshake: ?token= or Authorization: Bearer.
    result<identity, std::string> who = state_.access.authenticate(query, con->get_request_header("Authorization"));
    if (!who && path != "/healthz") state_.metrics.auth_failures++;
    std::error_code ec;
    std::string remote_ip;
    if (auto ep = con->get_raw_socket().remote_endpoint(ec); !ec) remote_ip = ep.address().to_string();
    else fail(ec, "http peer address");  // the peer left; the request is still answered
    http_call call;
    call.method = method;
    call.path = path;
    call.query = &query;
    call.body = con->get_request_body();
    const std::string content_type = con->get_request_header("Content-Type");
    call.content_type = content_type;
    call.who = who ? &who->who : nullptr;
    call.take_mutation = [&] {
        if (state_.mutations.try_take(mutation_key(*who, remote_ip), steady::now())) return true;
        state_.metrics.rate_limited++;
        return false;
    };
    call.metrics_text = [this] { return render_metrics(); };
    const std::shared_ptr<const served_spec> served = state_.spec();  // once per request: a reload swaps it
    call.spec_text = served->text;
    call.spec_version = served->version;
    call.info_text = state_.info_text;
    call.asyncapi = &state_.asyncapi;
    const std::string host = con->get_request_header("Host");
    call.host = host;
    call.development = state_.access.dev_mode();
    if (const change_bus* bus = state_.bus) call.broker_up = [bus] { return bus->available(); };
    // A change with a shared store is answered from the broker's thread, maybe before this
    // handler is done: the response waits for the handler to defer it, then goes out on the loop.
    struct later_state {
        std::mutex mu;
        bool deferred = false;
        std::optional<http_response> early;
    };
    auto later = std::make_shared<later_state>();
    auto send_later = [this, con](http_response r) {
        asio::post(io_, [this, con, r = std::move(r)] {
            write_response(con, r);
            std::error_code ec;
            con->send_http_response(ec);
            if (ec) fail(ec, "deferred http response");
        });
    };
    call.respond_later = [later, send_later](http_response r) {
        std::lock_guard<std::mutex> lock(later->mu);
        if (later->deferred) send_later(std::move(r));
        else later->early = std::move(r);
    };
    http_response r = handle_http(state_.hub, call);
    if (r.deferred) {
        if (std::error_code ec = con->defer_http_response()) return fail(ec, "defer http response");
        std::lock_guard<std::mutex> lock(later->mu);
        later->deferred = true;
        if (later->early) send_later(std::move(*later->early));
        return;
    }
    write_response(con, r);
}

void ws_server::write_response(const connection_ptr& con, const http_response& r) {
    con->set_status(static_cast<websocketpp::http::status_code::value>(r.status));
    con->replace_header("Content-Type", r.content_type);
    if (!r.link.empty()) con->replace_header("Link", r.link);
    con->set_body(r.body);
}

// on_http threw (handler_failed() has set 500): the body says so in the API's error shape.
void ws_server::on_http_failed(websocketpp::connection_hdl hdl) {
    if (connection_ptr con = connection(hdl, "http failure")) {
        con->replace_header("Content-Type", "application/json");
        con->set_body("{\"error\":\"INTERNAL\",\"message\":\"the server failed on this request; it is logged\"}");
    }
}

std::string ws_server::render_metrics() {
    metrics_extra x;
    x.hub = state_.hub.snapshot_stats();
    for (auto& c : open_connections()) {
        if (c->sse) {
            x.bytes_queued += c->sse->queued_bytes;
            continue;
        }
        std::error_code ec;
        if (auto con = ep_.get_con_from_hdl(c->handle, ec); !ec && con) x.bytes_queued += con->get_buffered_amount();
    }
    return render_prometheus(state_.metrics, x);
}

}  // namespace rt::server
