// apply_publish: a change checked against the helpdesk spec and an in-memory store; its errors
// name the attribute at fault in protocol_error::field (REST's "field").
#include <catch2/catch.hpp>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "server/row_change.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt;
using namespace rt::server;
using json = nlohmann::json;

TEST_CASE("row change: an invalid row names the attribute at fault", "[row_change][field]") {
    const spec::app& app = test::helpdesk_app();
    const spec::entity* ticket = app.find_entity("Ticket");
    REQUIRE(ticket);
    auto db = store::open(":memory:", app);
    REQUIRE(db.ok());
    std::mt19937_64 rng(7);
    struct row {
        proto::operation op;
        const char* data;
        proto::error_code code;
        std::optional<std::string> field;  // nullopt: no one attribute is at fault
        const char* message;
    };
    using proto::error_code;
    using proto::operation;
    const std::vector<row> rows = {
        {operation::insert, R"({"status":"later"})", error_code::bad_request, "status", "data.status: expected one of"},
        {operation::insert, R"({"sla_hours":1.5})", error_code::bad_request, "sla_hours", "data.sla_hours: expected int"},
        {operation::insert, R"({"colour":"red"})", error_code::bad_request, "colour", "data.colour: unknown field"},
        {operation::insert, R"({"id":""})", error_code::bad_request, "id", "data.id: must not be empty"},
        {operation::update, R"({"id":"nope","status":"open"})", error_code::not_found, std::nullopt, "does not exist"},
    };
    for (const row& r : rows) {
        INFO(r.data);
        proto::publish_msg m{"Ticket", r.op, json::parse(r.data)};
        auto ch = apply_publish(*ticket, *db.value(), rng, m);
        REQUIRE_FALSE(ch.ok());
        CHECK(ch.error().code == r.code);
        CHECK(ch.error().field == r.field);
        CHECK_THAT(ch.error().message, Catch::Contains(r.message));
    }
}

TEST_CASE("row change: a valid insert gets an id and no error", "[row_change]") {
    const spec::app& app = test::helpdesk_app();
    auto db = store::open(":memory:", app);
    REQUIRE(db.ok());
    std::mt19937_64 rng(7);
    auto ch = apply_publish(*app.find_entity("Ticket"), *db.value(), rng,
                            proto::publish_msg{"Ticket", proto::operation::insert, json{{"status", "new"}}});
    REQUIRE(ch.ok());
    CHECK(ch->id.size() == 12);
    REQUIRE(ch->after);
    CHECK((*ch->after)["status"] == "new");
    CHECK_FALSE(ch->before);
}
