// GET /api/_spec: the spec text the server runs, for tools that derive their workload from it
// (rt loadgen --spec server), authorised like the other REST reads.
#include <catch2/catch.hpp>

#include <string>

#include "helpdesk.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;

TEST_CASE("GET /api/_spec returns the spec text, a token is needed when tokens are on", "[serve][rest][spec]") {
    auto srv = helpdesk_server();
    auto anonymous = http_request(srv.port(), "GET", "/api/_spec");
    CHECK(anonymous.status == 401);
    CHECK(anonymous.body.find("Helpdesk") == std::string::npos);

    auto bob = http_request(srv.port(), "GET", "/api/_spec", {}, {"Authorization: Bearer tok-bob"});
    CHECK(bob.status == 200);
    CHECK(bob.body == helpdesk_spec_text());  // byte for byte, comments included
    CHECK(bob.headers.find("text/plain") != std::string::npos);

    auto post = http_request(srv.port(), "POST", "/api/_spec", "{}",
                             {"Authorization: Bearer tok-sup", "Content-Type: application/json"});
    CHECK(post.status == 405);
    // The entities' endpoints are unchanged beside it.
    CHECK(http_request(srv.port(), "GET", "/api/Ticket", {}, {"Authorization: Bearer tok-sup"}).status == 200);
}
