// Typed request ids (protocol/request_id.*): the text client_session puts on the wire, and back.
#include <catch2/catch.hpp>

#include "protocol/request_id.hpp"

using rt::proto::request_id;
using rt::proto::request_id_from_wire;
using rt::proto::request_kind;

TEST_CASE("request ids round-trip through their wire text", "[protocol][request_id]") {
    const request_id ids[] = {{request_kind::subscribe, "TaskUpdates"},
                              {request_kind::unsubscribe, "TaskUpdates"},
                              {request_kind::subscribe, "pane:1"},  // a key may hold the separator
                              {request_kind::unsubscribe, ""}};
    for (const auto& id : ids) {
        auto wire = to_wire(id);
        INFO(wire.dump());
        CHECK(request_id_from_wire(wire) == id);
    }
    CHECK(to_wire(request_id{request_kind::subscribe, "AllTasks"}) == "sub:AllTasks");
    CHECK(to_wire(request_id{request_kind::unsubscribe, "AllTasks"}) == "unsub:AllTasks");
}

TEST_CASE("ids this scheme did not write name no request", "[protocol][request_id]") {
    const nlohmann::json others[] = {nullptr, 7, "s", "view", "subscribe:x", "Sub:x", nlohmann::json::object()};
    for (const auto& id : others) {
        INFO(id.dump());
        CHECK_FALSE(request_id_from_wire(id));
    }
}
