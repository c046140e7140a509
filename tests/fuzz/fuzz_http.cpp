// Fuzz target: the REST request path without the transport — split_resource() and handle_http()
// (server/http_api.*) over a real hub, rights and an in-memory store on scenarios/kanban.spec, with
// one WebSocket-side connection subscribed to each kind of stream so writes also fan out events.
// Input: up to 8 requests separated by a line "--". Each is a head line
//   METHOD RESOURCE [as=admin|scoped|anon] [ct=CONTENT-TYPE]
// then the body. Defaults: as=admin (rights::allow_all), ct=application/json. `scoped` may
// subscribe to TaskUpdates only (view ActiveTasks: status != "done"), publish Task, and reads and
// writes Task rows with board "b1" only. A fresh hub per input (deterministic replay); the mutation
// budget is 6 per input, so 429 is reachable.
// Properties:
//   No exception escapes; every status is 2xx/4xx; every JSON response body is JSON.
//   After a successful POST/PATCH, GET /api/<Entity>/<id> (each segment percent-encoded as a
//   browser would: sub-delimiters such as '+' and ':' left as they are) with the same rights
//   answers 200 with the same body, or 404 when the reply echoed only the id (a row the token may
//   not read); after a successful DELETE it answers 404.
//   `scoped` never reads a row outside its scope or view; its successful writes leave the row
//   (before and after) inside its write scope; `anon` gets 401 everywhere but /healthz.
//   Every frame the hub sends to the subscriber decodes as a server message (decode_server).
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/spec.hpp"
#include "protocol/spec_compare.hpp"
#include "server/http_api.hpp"
#include "server/hub.hpp"
#include "server/store.hpp"
#include "fuzz_check.hpp"

using namespace rt;
using server::json;

namespace {

constexpr std::size_t max_requests = 8;     // enough for create → read → change → delete chains
constexpr int mutation_budget = 6;          // fewer than max_requests: the 429 path is reachable

const spec::app& kanban() {
    static const spec::app a = [] {
        auto r = spec::load_spec_file(std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec");
        if (!r) {
            std::fprintf(stderr, "fuzz_http: %s\n", r.error().front().to_string().c_str());
            std::abort();
        }
        return std::move(r.value());
    }();
    return a;
}

server::rights scoped_rights() {
    server::rights r;
    r.user = "scoped";
    r.subscriptions = {"TaskUpdates"};
    r.publish = {"Task"};
    r.read_scope["Task"] = {{"board", {json("b1")}}};
    r.write_scope["Task"] = {{"board", {json("b1")}}};
    return r;
}

bool in_scoped_view(const json& row) {  // what `scoped` may read: board "b1" and status != "done"
    return row.is_object() && row.contains("board") && spec::values_equal(row["board"], json("b1")) &&
           !(row.contains("status") && spec::values_equal(row["status"], json("done")));
}

// Checks every frame the hub queues; queues nothing.
struct checking_sink : server::delivery_sink {
    void check(const server::frame_ptr& f) {
        FUZZ_CHECK(f && proto::decode_server(*f).ok(), "a frame for a client decodes as a server message");
    }
    server::send_status send_to(server::conn_context&, const server::frame_ptr& f) override {
        check(f);
        return server::send_status::sent;
    }
    void fan_out(const server::frame_ptr& f, const std::vector<server::conn_context*>&) override { check(f); }
};

// A path segment (RFC 3986 pchar): unreserved characters, sub-delimiters, ':' and '@' as they are,
// the rest (including '/', '%', '?', '#', space) percent-encoded.
std::string path_segment(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    constexpr std::string_view kept = "-._~!$&'()*+,;=:@";
    std::string out;
    for (unsigned char c : s) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     kept.find(static_cast<char>(c)) != std::string_view::npos;
        if (plain) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

struct request {
    std::string_view method, resource, body;
    std::string_view as = "admin";
    std::string_view content_type = "application/json";
};

struct world {
    checking_sink sink;
    server::metrics m;
    std::unique_ptr<server::store> db;
    std::unique_ptr<server::hub> h;
    std::unique_ptr<server::conn_context> watcher;
    const server::rights admin = server::rights::allow_all("fuzz");
    const server::rights scoped = scoped_rights();
    int budget = mutation_budget;

    world() {
        auto s = server::store::open(":memory:", kanban());
        FUZZ_CHECK(s.ok(), "an in-memory store opens");
        db = std::move(s.value());
        h = std::make_unique<server::hub>(kanban(), *db, server::hub_config{}, m, sink);
        watcher = std::make_unique<server::conn_context>(1, admin, "", proto::token_bucket(1e9, 1e9),
                                                         proto::output_limit(proto::output_limit_config{}));
        const char* subs[][3] = {{"TaskUpdates", R"({"board":"b1"})", ""}, {"AllTasks", "{}", ""},
                                 {"TaskDetail", R"({"id":"t1"})", "pane"}};
        for (auto& [name, filter, sid] : subs) {
            proto::subscribe_msg sm;
            sm.subscription = name;
            sm.filter = json::parse(filter);
            sm.sid = sid;
            FUZZ_CHECK(h->subscribe(*watcher, nullptr, sm).ok(), "the watcher subscribes");
        }
    }
    ~world() { h->disconnect(*watcher); }

    const server::rights* who(std::string_view as) const {
        if (as == "anon") return nullptr;
        return as == "scoped" ? &scoped : &admin;
    }

    server::http_response send(const request& q) {
        std::string path;
        std::map<std::string, std::string> query;
        server::split_resource(q.resource, path, query);
        server::http_call call;
        call.method = q.method;
        call.path = path;
        call.body = q.body;
        call.content_type = q.content_type;
        call.who = who(q.as);
        call.take_mutation = [this] { return budget-- > 0; };
        call.metrics_text = [] { return std::string("rt_fuzz 1\n"); };
        server::http_response r = server::handle_http(*h, call);
        FUZZ_CHECK((r.status >= 200 && r.status < 300) || (r.status >= 400 && r.status < 500), "status is 2xx or 4xx");
        if (r.content_type == "application/json")
            FUZZ_CHECK(!json::parse(r.body, nullptr, false).is_discarded(), "a JSON response is JSON");
        if (!call.who && path != "/healthz") FUZZ_CHECK(r.status == 401, "no token: 401");
        if (q.as == "scoped" && q.method == "GET" && r.status == 200) {
            json got = json::parse(r.body, nullptr, false);
            if (got.is_array()) {
                for (const json& row : got) FUZZ_CHECK(in_scoped_view(row), "a scoped list shows only rows in scope");
            } else if (path.rfind("/api/Task/", 0) == 0) {
                FUZZ_CHECK(in_scoped_view(got), "a scoped GET shows only a row in scope");
            }
        }
        return r;
    }

    // The row as the store has it (admin read), or nullopt.
    std::optional<json> stored(const std::string& entity, const std::string& id) {
        auto r = h->get_row(admin, entity, id);
        if (!r) return std::nullopt;
        return r.value();
    }
};

void run(world& w, const request& q) {
    std::string path;
    std::map<std::string, std::string> query;
    server::split_resource(q.resource, path, query);
    const server::api_target target = server::parse_api_path(path).value_or(server::api_target{});
    const std::string& entity = target.entity;
    const std::string& url_id = target.id;
    const bool write = q.method == "POST" || q.method == "PATCH" || q.method == "DELETE";
    std::optional<json> before;
    if (write && !url_id.empty() && kanban().find_entity(entity)) before = w.stored(entity, url_id);

    server::http_response r = w.send(q);
    if (!write || (r.status != 200 && r.status != 201)) return;

    json reply = json::parse(r.body, nullptr, false);
    FUZZ_CHECK(reply.is_object() && reply.contains("id") && reply["id"].is_string(), "a write replies with the row's id");
    const std::string id = reply["id"].get<std::string>();
    const std::string get_resource = "/api/" + path_segment(entity) + "/" + path_segment(id);
    request get{"GET", get_resource, "", q.as};
    server::http_response got = w.send(get);
    if (q.method == "DELETE") {
        FUZZ_CHECK(got.status == 404, "a deleted row is gone");
    } else if (got.status != 404 || reply.size() != 1) {
        if (got.status != 200 || got.body != r.body)
            std::fprintf(stderr, "id %s: write %d %s, read %d %s\n", json(id).dump().c_str(), r.status,
                         r.body.c_str(), got.status, got.body.c_str());
        FUZZ_CHECK(got.status == 200 && got.body == r.body, "a written row reads back as written");
    }
    if (q.as == "scoped" && entity == "Task") {
        auto in_write_scope = [](const json& row) {
            return row.contains("board") && spec::values_equal(row["board"], json("b1"));
        };
        if (before) FUZZ_CHECK(in_write_scope(*before), "scoped changes only rows inside its write scope");
        if (auto after = w.stored(entity, id)) FUZZ_CHECK(in_write_scope(*after), "scoped leaves rows inside its write scope");
    }
}

std::string_view cut(std::string_view& s, std::string_view sep) {
    auto at = s.find(sep);
    std::string_view head = s.substr(0, at);
    s = at == std::string_view::npos ? std::string_view() : s.substr(at + sep.size());
    return head;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    world w;
    for (std::size_t n = 0; n < max_requests && !in.empty(); ++n) {
        std::string_view req = cut(in, "\n--\n");
        std::string_view head = cut(req, "\n");
        request q;
        q.body = req;
        q.method = cut(head, " ");
        q.resource = cut(head, " ");
        while (!head.empty()) {
            std::string_view word = cut(head, " ");
            if (word.substr(0, 3) == "as=") q.as = word.substr(3);
            else if (word.substr(0, 3) == "ct=") q.content_type = word.substr(3);
        }
        if (q.method.empty() || q.resource.empty()) continue;
        run(w, q);
    }
    return 0;
}
