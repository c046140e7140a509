// GET /api/_asyncapi: the AsyncAPI document of the endpoint a running server serves, the same as
// `rt spec asyncapi` prints for its spec and settings; authorised like GET /api/_spec.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
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

TEST_CASE("rt spec check is rt serve --check, rt spec asyncapi refuses bad input with exit 2", "[spec][asyncapi]") {
    auto check = run_rt({"spec", "check", kanban_spec_path()});
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.err, Catch::Contains("rt spec check: " + kanban_spec_path() + " is valid"));
    CHECK(check.out == run_rt({"serve", "--spec", kanban_spec_path(), "--check"}).out);  // one code, one summary
    CHECK_THAT(check.out, Catch::Contains("subscription TaskUpdates"));

    const std::string broken = temp_path("broken-asyncapi.spec");
    std::ofstream(broken) << "app X {\n  entity Task { attr n: int }\n  view V: Tsk where n > 1\n}\n";
    auto bad_check = run_rt({"spec", "check", broken});
    CHECK(bad_check.exit_code == 1);
    CHECK_THAT(bad_check.err, Catch::Contains(broken + ":3:11: error: unknown entity 'Tsk'"));
    auto bad_doc = run_rt({"spec", "asyncapi", broken});
    CHECK(bad_doc.exit_code == 2);
    CHECK(bad_doc.out.empty());
    CHECK_THAT(bad_doc.err, Catch::Contains(broken + ":3:11: error:"));
    CHECK_THAT(bad_doc.err, Catch::Contains("rt spec asyncapi: error: 1 error(s) in " + broken));

    auto url = run_rt({"spec", "asyncapi", kanban_spec_path(), "--url", "http://localhost:8080/live"});
    CHECK(url.exit_code == 2);
    CHECK_THAT(url.err, Catch::Contains("--url 'http://localhost:8080/live'"));
    CHECK(run_rt({"spec", "asyncapi", kanban_spec_path(), "--auth", "oauth"}).exit_code == 2);
    CHECK(run_rt({"spec", "asyncapi", kanban_spec_path(), "--format", "xml"}).exit_code == 2);

    // -o writes what stdout would show; --auth before the spec takes one value.
    const std::string out = temp_path("kanban.asyncapi.json");
    auto written = run_rt({"spec", "asyncapi", "--auth", "jwt", kanban_spec_path(), "--format", "json", "-o", out});
    REQUIRE(written.exit_code == 0);
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == run_rt({"spec", "asyncapi", kanban_spec_path(), "--auth", "jwt", "--format", "json"}).out);
    CHECK(json::parse(text.str(), nullptr, false)["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT");
}
