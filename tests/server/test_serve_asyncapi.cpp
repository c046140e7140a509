// GET /api/_asyncapi: the AsyncAPI document of the endpoint a running server serves, the same as
// `rt spec asyncapi` prints for its spec and settings; authorised like GET /api/_spec.
#include <catch2/catch.hpp>

#include <string>

#include "helpdesk.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;

TEST_CASE("GET /api/_asyncapi describes the running server: its path, its auth, the spec's subscriptions", "[serve][rest][asyncapi]") {
    auto srv = helpdesk_server({"--path", "/ws"});
    auto anonymous = http_request(srv.port(), "GET", "/api/_asyncapi");
    CHECK(anonymous.status == 401);

    auto bob = http_request(srv.port(), "GET", "/api/_asyncapi", {}, {rights_bearer("tok-bob")});
    REQUIRE(bob.status == 200);
    CHECK(bob.headers.find("application/json") != std::string::npos);
    const json doc = json::parse(bob.body, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["asyncapi"] == "3.0.0");
    CHECK(doc["info"]["title"] == "Helpdesk");
    CHECK(doc["servers"]["rt"]["host"] == "127.0.0.1");  // the request's Host header
    CHECK(doc["servers"]["rt"]["pathname"] == "/ws");
    CHECK(doc["channels"]["TeamOpen"]["address"] == "/ws");
    CHECK(doc["components"]["securitySchemes"].contains("token"));
    CHECK_FALSE(doc["operations"].contains("refresh"));  // no JWT key: no refresh

    // The same document as the command prints for this spec and these settings.
    auto cli = run_rt({"spec", "asyncapi", rights_helpdesk_spec(), "--url", "ws://127.0.0.1/ws", "--auth", "tokens", "--format", "json"});
    INFO(cli.err);
    REQUIRE(cli.exit_code == 0);
    CHECK(json::parse(cli.out, nullptr, false) == doc);

    CHECK(http_request(srv.port(), "DELETE", "/api/_asyncapi", {}, {rights_bearer("tok-sup")}).status == 405);
}

TEST_CASE("GET /api/_asyncapi in development mode: no security schemes, ?user= in the binding", "[serve][rest][asyncapi]") {
    rt_server srv({}, std::string(RT_SOURCE_DIR) + "/scenarios/inventory.spec");
    auto r = http_request(srv.port(), "GET", "/api/_asyncapi");
    REQUIRE(r.status == 200);
    const json doc = json::parse(r.body, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["servers"]["rt"]["pathname"] == "/live");
    CHECK(doc["servers"]["rt"]["protocol"] == "ws");
    CHECK_FALSE(doc["components"].contains("securitySchemes"));
    CHECK(doc["components"]["channelBindings"]["live"]["ws"]["query"]["properties"].contains("user"));
    CHECK(doc["channels"].size() >= 2);
}
