// The AsyncAPI document of an app (protocol/asyncapi.*): channels per subscription, JSON Schemas
// from the entities, security by the server's auth, stable output. The official parser's verdict
// is tests/asyncapi/validate.js's job (CTest asyncapi:parser).
#include <iterator>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "protocol/error_code.hpp"
#include "protocol/asyncapi.hpp"
#include "protocol/spec_ir_json.hpp"
#include "protocol/yaml_text.hpp"
#include "support/spec_fixtures.hpp"

namespace {

using ojson = nlohmann::ordered_json;

ojson kanban_doc(const rt::spec::asyncapi_options& o = {}) { return rt::spec::to_asyncapi(rt::test::kanban_app(), o); }

const ojson& aa_schema(const ojson& doc, const std::string& name) { return doc["components"]["schemas"][name]; }

rt::spec::app aa_parse(const std::string& text) {
    auto r = rt::spec::parse_spec(text, "t.spec");
    REQUIRE(r.ok());
    return std::move(r).value();
}

// Every "$ref" in the document, as its JSON pointer ("#/components/..." → "/components/...").
void aa_collect_refs(const ojson& v, std::set<std::string>& out) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (it.key() == "$ref" && it.value().is_string()) out.insert(it.value().get<std::string>().substr(1));
            else aa_collect_refs(it.value(), out);
        }
    } else if (v.is_array()) {
        for (const auto& x : v) aa_collect_refs(x, out);
    }
}

}  // namespace

TEST_CASE("asyncapi: one channel per subscription on the WebSocket path, and one for the rest of the connection") {
    rt::spec::asyncapi_options o;
    o.path = "/ws";
    const ojson doc = kanban_doc(o);
    REQUIRE(doc["asyncapi"] == "3.0.0");
    std::set<std::string> channels;
    for (auto it = doc["channels"].begin(); it != doc["channels"].end(); ++it) {
        channels.insert(it.key());
        REQUIRE(it.value()["address"] == "/ws");
    }
    REQUIRE(channels == std::set<std::string>{"TaskUpdates", "TaskDetail", "AllTasks", "rt-connection"});
    const ojson& detail = doc["channels"]["TaskDetail"];
    REQUIRE(detail["x-rt-subscription"]["kind"] == "by_id");
    REQUIRE(detail["x-rt-subscription"]["filterRequired"] == true);
    REQUIRE(detail["x-rt-subscription"]["filter"]["status"] == "\"todo\" | \"doing\" | \"done\"");
    REQUIRE(doc["channels"]["TaskUpdates"]["x-rt-subscription"]["where"] == "status != \"done\"");
    // Each subscription: a subscribe with its reply, an unsubscribe, and the events the server sends.
    REQUIRE(doc["operations"]["subscribeTaskUpdates"]["action"] == "receive");
    REQUIRE(doc["operations"]["subscribeTaskUpdates"]["reply"]["messages"].size() == 2);
    REQUIRE(doc["operations"]["sendTaskUpdatesEvent"]["action"] == "send");
    REQUIRE(doc["operations"].contains("unsubscribeAllTasks"));
    REQUIRE(doc["operations"].contains("publishTask"));
    REQUIRE(doc["operations"].contains("publishUser"));
    REQUIRE(doc["servers"]["rt"]["pathname"] == "/ws");
}

TEST_CASE("asyncapi: a union attribute is a string enum that also admits null") {
    const ojson doc = kanban_doc();
    const ojson& status = aa_schema(doc, "Task")["properties"]["status"];
    REQUIRE(status["type"] == ojson::array({"string", "null"}));
    REQUIRE(status["enum"] == ojson::array({"todo", "doing", "done", nullptr}));
}

TEST_CASE("asyncapi: a ref attribute is the referenced entity's id string, named in x-rt-ref") {
    const ojson doc = kanban_doc();
    const ojson& assignee = aa_schema(doc, "Task")["properties"]["assignee"];
    REQUIRE(assignee["type"] == ojson::array({"string", "null"}));
    REQUIRE(assignee["x-rt-ref"] == "User");
    REQUIRE(assignee["description"].get<std::string>().find("User row") != std::string::npos);
}

TEST_CASE("asyncapi: attributes are optional and typed, id is required in rows and updates") {
    const ojson doc = kanban_doc();
    const ojson& task = aa_schema(doc, "Task");
    REQUIRE(task["required"] == ojson::array({"id"}));
    REQUIRE(task["properties"]["priority"]["type"] == ojson::array({"integer", "null"}));
    REQUIRE(task["properties"]["priority"]["maximum"] == INT64_MAX);
    REQUIRE(task["properties"]["title"]["type"] == ojson::array({"string", "null"}));
    // Keys in declaration order, id first.
    std::string order;
    for (auto it = task["properties"].begin(); it != task["properties"].end(); ++it) order += it.key() + " ";
    REQUIRE(order == "id title status assignee priority board ");
    const ojson& insert = aa_schema(doc, "Task.insert");
    REQUIRE_FALSE(insert.contains("required"));
    REQUIRE(insert["additionalProperties"] == false);
    REQUIRE(aa_schema(doc, "Task.update")["required"] == ojson::array({"id"}));
    REQUIRE(aa_schema(doc, "Task.delete")["required"] == ojson::array({"id"}));
    // A filter: a value or a set of values of declared attributes only; id is never null.
    const ojson& filter = aa_schema(doc, "Task.filter");
    REQUIRE(filter["additionalProperties"] == false);
    REQUIRE(filter["properties"]["id"]["anyOf"][0]["type"] == "string");
    REQUIRE(filter["properties"]["id"]["anyOf"][1]["minItems"] == 1);
    // Float and bool, from the helpdesk.
    const ojson help = rt::spec::to_asyncapi(rt::test::helpdesk_app(), {});
    REQUIRE(aa_schema(help, "Ticket")["properties"]["csat"]["type"] == ojson::array({"number", "null"}));
    REQUIRE(aa_schema(help, "Ticket")["properties"]["escalated"]["type"] == ojson::array({"boolean", "null"}));
}

TEST_CASE("asyncapi: each subscription's messages carry its name and its entity's rows") {
    const ojson doc = kanban_doc();
    const ojson& messages = doc["components"]["messages"];
    const ojson& event = messages["event.TaskUpdates"]["payload"];
    REQUIRE(event["properties"]["subscription"]["const"] == "TaskUpdates");
    REQUIRE(event["properties"]["data"]["$ref"] == "#/components/schemas/Task");
    REQUIRE(messages["subscribed.AllTasks"]["payload"]["properties"]["initial"]["items"]["$ref"] == "#/components/schemas/Task");
    // By id: the filter is required and must hold an id.
    const ojson& by_id = messages["subscribe.TaskDetail"]["payload"];
    REQUIRE(by_id["required"] == ojson::array({"type", "subscription", "filter"}));
    REQUIRE(by_id["properties"]["filter"]["allOf"][1]["required"] == ojson::array({"id"}));
    REQUIRE(messages["subscribe.TaskUpdates"]["payload"]["required"] == ojson::array({"type", "subscription"}));
    // Client messages are strict, server messages may grow.
    REQUIRE(messages["subscribe.TaskUpdates"]["payload"]["additionalProperties"] == false);
    REQUIRE_FALSE(event.contains("additionalProperties"));
    REQUIRE(messages["error"]["payload"]["properties"]["code"]["$ref"] == "#/components/schemas/rt.errorCode");
    REQUIRE(aa_schema(doc, "rt.errorCode")["enum"].size() == std::size(rt::proto::k_all_error_codes));
    // Object fields of client messages accept null as "left out", as the codec does.
    REQUIRE(aa_schema(doc, "rt.position")["type"] == ojson::array({"object", "null"}));
    REQUIRE(aa_schema(doc, "Task.filter")["type"] == ojson::array({"object", "null"}));
    REQUIRE(messages["presence"]["payload"]["properties"]["meta"]["type"] == ojson::array({"object", "null"}));
}

TEST_CASE("asyncapi: a batched window is an events message of each subscription, its items the entity's rows") {
    const ojson doc = kanban_doc();
    const ojson& messages = doc["components"]["messages"];
    for (const char* n : {"TaskUpdates", "TaskDetail", "AllTasks"}) {
        INFO(n);
        const std::string name = n;
        REQUIRE(doc["channels"][name]["messages"]["events"]["$ref"] == "#/components/messages/events." + name);
        const ojson& events = messages["events." + name];
        REQUIRE(events["name"] == "events");
        REQUIRE_FALSE(events.contains("correlationId"));  // never a reply
        const ojson& p = events["payload"];
        REQUIRE(p["properties"]["subscription"]["const"] == name);
        REQUIRE(p["required"] == ojson::array({"type", "subscription", "epoch", "events"}));
        REQUIRE(p["properties"]["events"]["minItems"] == 1);
        const ojson& item = p["properties"]["events"]["items"];
        REQUIRE(item["properties"]["data"]["$ref"] == "#/components/schemas/Task");
        REQUIRE(item["required"] == ojson::array({"operation", "data", "seq", "ts"}));
        // The send operation of the stream lists both forms.
        const ojson& send = doc["operations"]["send" + name + "Event"]["messages"];
        REQUIRE(send == ojson::array({{{"$ref", "#/channels/" + name + "/messages/event"}}, {{"$ref", "#/channels/" + name + "/messages/events"}}}));
    }
    // batch on subscribe: without the spec's default window, batch: true needs throttle.
    const ojson& sub = messages["subscribe.AllTasks"]["payload"];
    REQUIRE(sub["properties"]["batch"]["type"] == ojson::array({"boolean", "null"}));
    REQUIRE(sub["if"]["properties"]["batch"]["const"] == true);
    REQUIRE(sub["then"]["required"] == ojson::array({"throttle"}));
    const ojson throttled = rt::spec::to_asyncapi(aa_parse("app A { entity T { attr n: int } subscription S: T throttle 100ms }"), {});
    const ojson& tsub = throttled["components"]["messages"]["subscribe.S"]["payload"];
    REQUIRE(tsub["properties"].contains("batch"));
    REQUIRE_FALSE(tsub.contains("if"));  // the spec's window applies
    REQUIRE(messages["subscribed.AllTasks"]["payload"]["properties"]["batch"]["const"] == true);
}

TEST_CASE("asyncapi: a spec reload: spec_changed on the connection, reason on the unasked subscribed and unsubscribed") {
    const ojson doc = kanban_doc();
    const ojson& messages = doc["components"]["messages"];
    REQUIRE(doc["channels"]["rt-connection"]["messages"]["specChanged"]["$ref"] == "#/components/messages/specChanged");
    const ojson& changed = messages["specChanged"];
    REQUIRE(changed["name"] == "spec_changed");
    REQUIRE(changed["payload"]["required"] == ojson::array({"type", "version", "added", "changed", "removed"}));
    REQUIRE(changed["payload"]["properties"]["removed"]["items"]["type"] == "string");
    REQUIRE(doc["operations"]["sendSpecChanged"]["action"] == "send");
    for (const char* reply : {"subscribed.TaskDetail", "unsubscribed.TaskDetail"}) {
        INFO(reply);
        const ojson& p = messages[reply]["payload"];
        REQUIRE(p["properties"]["reason"]["enum"] == ojson::array({"spec_changed"}));
        REQUIRE_FALSE(p["required"].contains("reason"));  // only when unasked
        REQUIRE(p["if"]["required"] == ojson::array({"reason"}));
        REQUIRE(p["then"]["not"]["required"] == ojson::array({"id"}));  // unasked: no id
    }
    REQUIRE(messages["subscribed.TaskDetail"]["payload"]["then"]["properties"]["recovered"]["const"] == false);
    // The unasked ones are sends of the subscription's channel.
    const ojson& op = doc["operations"]["sendTaskDetailSpecChange"];
    REQUIRE(op["action"] == "send");
    REQUIRE(op["messages"] == ojson::array({{{"$ref", "#/channels/TaskDetail/messages/subscribed"}},
                                           {{"$ref", "#/channels/TaskDetail/messages/unsubscribed"}}}));
}

TEST_CASE("asyncapi: every $ref resolves, and operations use their own channel's messages") {
    for (const rt::spec::app* a : {&rt::test::kanban_app(), &rt::test::helpdesk_app(), &rt::test::inventory_app()}) {
        rt::spec::asyncapi_options o;
        o.tokens_file = o.jwt = true;
        const ojson doc = rt::spec::to_asyncapi(*a, o);
        std::set<std::string> refs;
        aa_collect_refs(doc, refs);
        REQUIRE(refs.size() > 20);
        for (const std::string& r : refs) {
            INFO(a->name << ": " << r);
            REQUIRE(doc.contains(ojson::json_pointer(r)));
        }
        for (auto it = doc["operations"].begin(); it != doc["operations"].end(); ++it) {
            const std::string channel = it.value()["channel"]["$ref"].get<std::string>();
            for (const auto& m : it.value()["messages"]) {
                INFO(it.key());
                REQUIRE(m["$ref"].get<std::string>().rfind(channel + "/messages/", 0) == 0);
            }
        }
    }
}

TEST_CASE("asyncapi: security schemes and refresh follow the server's auth") {
    const ojson dev = kanban_doc();
    REQUIRE_FALSE(dev["components"].contains("securitySchemes"));
    REQUIRE_FALSE(dev["servers"]["rt"].contains("security"));
    REQUIRE_FALSE(dev["operations"].contains("refresh"));
    REQUIRE(dev["components"]["channelBindings"]["live"]["ws"]["query"]["properties"].contains("user"));

    rt::spec::asyncapi_options tokens;
    tokens.tokens_file = true;
    const ojson t = kanban_doc(tokens);
    REQUIRE(t["servers"]["rt"]["security"].size() == 2);
    REQUIRE(t["components"]["securitySchemes"]["token"]["in"] == "query");
    REQUIRE(t["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    REQUIRE_FALSE(t["components"]["securitySchemes"]["bearer"].contains("bearerFormat"));
    REQUIRE_FALSE(t["operations"].contains("refresh"));

    rt::spec::asyncapi_options jwt;
    jwt.jwt = true;
    const ojson j = kanban_doc(jwt);
    REQUIRE(j["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT");
    REQUIRE(j["operations"]["refresh"]["reply"]["messages"].size() == 2);
    REQUIRE(j["channels"]["rt-connection"]["messages"].contains("refreshed"));
}

TEST_CASE("asyncapi: the same spec gives the same text, and the version follows what the spec declares") {
    const std::string text = "app A {\n  entity T { attr s: \"x\" | \"y\"  attr n: int }\n  subscription S: T\n}\n";
    const std::string same = "// a comment\napp A { entity T { attr s: \"x\" | \"y\" attr n: int } subscription S: T }";
    const std::string other = "app A {\n  entity T { attr s: \"x\" | \"y\"  attr n: float }\n  subscription S: T\n}\n";
    const std::string first = rt::spec::to_asyncapi(aa_parse(text), {}).dump();
    REQUIRE(rt::spec::to_asyncapi(aa_parse(text), {}).dump() == first);
    REQUIRE(rt::spec::to_asyncapi(aa_parse(same), {}).dump() == first);
    const ojson doc = rt::spec::to_asyncapi(aa_parse(text), {});
    REQUIRE(doc["info"]["version"] == "spec-" + rt::spec::ir_hash(aa_parse(text)));
    REQUIRE(rt::spec::ir_hash(aa_parse(text)).size() == 16);
    REQUIRE(rt::spec::ir_hash(aa_parse(other)) != rt::spec::ir_hash(aa_parse(text)));
    rt::spec::asyncapi_options o;
    o.version = "2.1.0";
    REQUIRE(rt::spec::to_asyncapi(aa_parse(text), o)["info"]["version"] == "2.1.0");
    // Top-level keys in AsyncAPI's reading order, not alphabetical.
    std::string keys;
    for (auto it = doc.begin(); it != doc.end(); ++it) keys += it.key() + " ";
    REQUIRE(keys == "asyncapi info servers defaultContentType channels operations components ");
}

TEST_CASE("asyncapi: an app without subscriptions or entities still describes the connection") {
    const ojson doc = rt::spec::to_asyncapi(aa_parse("app Empty {}"), {});
    REQUIRE(doc["channels"].size() == 1);
    REQUIRE(doc["operations"].contains("ping"));
    REQUIRE(doc["components"]["schemas"].contains("rt.requestId"));
}

TEST_CASE("asyncapi: server URLs") {
    struct row {
        const char* url;
        const char* scheme;
        const char* host;
        const char* path;  // nullptr: refused
    };
    const row rows[] = {
        {"ws://localhost:8080/live", "ws", "localhost:8080", "/live"},
        {"wss://rt.example.com/ws/v1", "wss", "rt.example.com", "/ws/v1"},
        {"ws://[::1]:9000", "ws", "[::1]:9000", "/live"},  // no path: the default stays
        {"http://localhost:8080/live", "", "", nullptr},
        {"ws://:8080/live", "", "", nullptr},
        {"ws://localhost:99999/live", "", "", nullptr},
        {"ws://localhost:8080/live?token=x", "", "", nullptr},
        {"ws://local host/live", "", "", nullptr},
    };
    for (const row& r : rows) {
        INFO(r.url);
        rt::spec::asyncapi_options o;
        auto ok = rt::spec::set_asyncapi_url(o, r.url);
        REQUIRE(ok.ok() == (r.path != nullptr));
        if (!r.path) {
            REQUIRE_FALSE(ok.error().empty());
            continue;
        }
        REQUIRE(o.scheme == r.scheme);
        REQUIRE(o.host == r.host);
        REQUIRE(o.path == r.path);
    }
}

TEST_CASE("asyncapi: docs/examples/kanban.asyncapi.yaml is what rt spec asyncapi prints for kanban.spec") {
    std::ifstream in(std::string(RT_SOURCE_DIR) + "/docs/examples/kanban.asyncapi.yaml", std::ios::binary);
    REQUIRE(in);
    std::stringstream committed;
    committed << in.rdbuf();
    INFO("regenerate it: rt spec asyncapi scenarios/kanban.spec -o docs/examples/kanban.asyncapi.yaml");
    REQUIRE(committed.str() == rt::proto::to_yaml(kanban_doc()));
}
