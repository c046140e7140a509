// The payload schemas of protocol v1's messages (asyncapi_payloads.hpp), in the order of
// docs/protocol.md: a subscription's messages, then the connection's.
#include "protocol/asyncapi_payloads.hpp"

#include <string>

#include "protocol/units.hpp"

namespace rt::spec::asyncapi {

namespace {

ojson type_const(const char* type) { return {{"type", "string"}, {"const", type}}; }
ojson string_const(const std::string& value) { return {{"type", "string"}, {"const", value}}; }
ojson with_description(ojson schema, const char* text) {
    schema["description"] = text;
    return schema;
}

// Why the server sent a subscribed/unsubscribed unasked (docs/protocol.md, spec_changed). The
// enum lists what rt serve sends today.
ojson reason_schema(const char* what) {
    return {{"type", "string"}, {"enum", ojson::array({"spec_changed"})}, {"description", what}};
}

// `payload` with the rule of an unasked reply: with a reason it answers no request, so it has no
// id (and `then` holds too).
ojson unasked_has_no_id(ojson payload, ojson then = ojson::object()) {
    then["not"] = {{"required", ojson::array({"id"})}};
    payload["if"] = {{"required", ojson::array({"reason"})}};
    payload["then"] = std::move(then);
    return payload;
}

// The fields of one change, shared by `event` and the items of `events`.
ojson operation_schema() {
    return {{"type", "string"}, {"enum", {"insert", "update", "delete"}}};
}
ojson event_seq_schema() {
    return {{"type", "integer"}, {"minimum", 1}, {"description", "exactly one more than the stream's previous event"}};
}
ojson event_ts_schema() {
    return {{"type", "integer"}, {"description", "commit time, ms since the Unix epoch (server clock)"}};
}

// A subscribe's throttle window (docs/protocol.md, "Throttled delivery"), naming the spec's default.
// null is the same as leaving it out, as the codec takes it (batch too).
ojson throttle_schema(const subscription& s) {
    std::string d = "deliver coalesced: at most one event per row per window (10ms..60s)";
    d += s.throttle_ms ? "; default " + proto::format_duration(std::chrono::milliseconds(s.throttle_ms)) + " (the spec's)"
                       : "; default: every change";
    return {{"type", ojson::array({"string", "null"})}, {"pattern", "^[0-9]+(\\.[0-9]+)?(us|ms|s|m|h)$"}, {"description", std::move(d)}};
}

// A subscribe's batch flag (docs/protocol.md, "events").
ojson batch_schema(const subscription& s) {
    std::string d = "true: each closed throttle window arrives as one events frame instead of one event frame per row; ";
    d += s.throttle_ms ? "the spec's default window applies when throttle is absent" : "needs throttle (the spec sets no default window)";
    return {{"type", ojson::array({"boolean", "null"})}, {"description", std::move(d)}};
}

}  // namespace

// ---- one subscription ----------------------------------------------------------------------

ojson subscribe_payload(const subscription& s, const entity& e) {
    ojson filter = schema_ref(filter_schema_name(e));
    if (s.kind == subscription_kind::by_id)
        filter = {{"allOf", ojson::array({std::move(filter), {{"type", "object"}, {"required", {"id"}}}})}};
    ojson p = {{"type", "object"},
               {"properties",
                {{"type", type_const("subscribe")},
                 {"id", schema_ref(k_request_id)},
                 {"subscription", string_const(s.name)},
                 {"filter", std::move(filter)},
                 {"since", schema_ref(k_position)},
                 {"sid", schema_ref(k_sid)},
                 {"throttle", throttle_schema(s)},
                 {"batch", batch_schema(s)}}},
               {"required", ojson::array({"type", "subscription"})},
               {"additionalProperties", false}};
    if (s.kind == subscription_kind::by_id) p["required"].push_back("filter");
    // Without the spec's default window, batching needs this subscribe's (else BAD_REQUEST naming batch).
    if (!s.throttle_ms) {
        p["if"] = {{"properties", {{"batch", {{"const", true}}}}}, {"required", ojson::array({"batch"})}};
        p["then"] = {{"properties", {{"throttle", {{"type", "string"}}}}}, {"required", ojson::array({"throttle"})}};
    }
    return p;
}

ojson unsubscribe_payload(const subscription& s) {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("unsubscribe")},
              {"id", schema_ref(k_request_id)},
              {"subscription", string_const(s.name)},
              {"sid", schema_ref(k_sid)}}},
            {"required", {"type"}},
            {"anyOf", ojson::array({{{"required", {"subscription"}}}, {{"required", {"sid"}}}})},
            {"additionalProperties", false}};
}

ojson subscribed_payload(const subscription& s) {
    ojson p = {{"type", "object"},
               {"properties",
                {{"type", type_const("subscribed")},
                 {"id", schema_ref(k_request_id)},
                 {"subscription", string_const(s.name)},
                 {"sid", schema_ref(k_sid)},
                 {"epoch", {{"type", "string"}, {"description", "the stream's epoch (opaque)"}}},
                 {"seq", {{"type", "integer"}, {"minimum", 0}, {"description", "the stream's latest seq; the next event is seq + 1"}}},
                 {"recovered", {{"type", "boolean"}, {"description", "true: a resume, the missed events follow; false: initial holds the rows"}}},
                 {"initial", {{"type", "array"}, {"items", schema_ref(s.entity)}, {"description", "every row that matches now (when recovered is false)"}}},
                 {"throttle", {{"type", "string"}, {"description", "a throttled subscription's window; epoch and seq are then its throttle group's"}}},
                 {"batch", {{"type", "boolean"}, {"const", true}, {"description", "present when the subscribe asked for batching: its windows arrive as events frames"}}},
                 {"reason", reason_schema("sent unasked after a live spec reload changed this subscription's definition (see spec_changed): "
                                          "the stream starts over with a new epoch, initial holds its rows under the new definition")}}},
               {"required", ojson::array({"type", "subscription", "epoch", "seq", "recovered"})}};
    return unasked_has_no_id(std::move(p), {{"properties", {{"recovered", {{"const", false}}}}}});
}

ojson event_payload(const subscription& s) {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("event")},
              {"sid", schema_ref(k_sid)},
              {"subscription", string_const(s.name)},
              {"operation", operation_schema()},
              {"data", schema_ref(s.entity)},
              {"epoch", {{"type", "string"}}},
              {"seq", event_seq_schema()},
              {"ts", event_ts_schema()}}},
            {"required", ojson::array({"type", "subscription", "operation", "data", "epoch", "seq", "ts"})}};
}

ojson events_payload(const subscription& s) {
    ojson item = {{"type", "object"},
                  {"properties",
                   {{"operation", operation_schema()},
                    {"data", schema_ref(s.entity)},
                    {"seq", with_description(event_seq_schema(), "this event's own position: consecutive within the frame, following the previous frame's last one")},
                    {"ts", event_ts_schema()}}},
                  {"required", ojson::array({"operation", "data", "seq", "ts"})}};
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("events")},
              {"sid", schema_ref(k_sid)},
              {"subscription", string_const(s.name)},
              {"epoch", {{"type", "string"}, {"description", "the throttle group's epoch, the same for every item"}}},
              {"events", {{"type", "array"}, {"minItems", 1}, {"items", std::move(item)},
                          {"description", "the window's coalesced events in seq order, each what its event frame would carry"}}}}},
            {"required", ojson::array({"type", "subscription", "epoch", "events"})}};
}

ojson unsubscribed_payload(const subscription& s) {
    ojson p = {{"type", "object"},
               {"properties",
                {{"type", type_const("unsubscribed")},
                 {"id", schema_ref(k_request_id)},
                 {"subscription", {{"type", "string"}, {"enum", ojson::array({s.name, ""})}, {"description", "empty when an unknown sid was unsubscribed without a name"}}},
                 {"sid", schema_ref(k_sid)},
                 {"reason", reason_schema("sent unasked when a live spec reload removed this subscription (see spec_changed)")}}},
               {"required", ojson::array({"type", "subscription"})}};
    return unasked_has_no_id(std::move(p));
}

// ---- the rest of the connection -------------------------------------------------------------

ojson publish_payload(const entity& e) {
    ojson variants = ojson::array();
    for (const char* op : {"insert", "update", "delete"})
        variants.push_back({{"properties", {{"operation", {{"const", op}}}, {"data", schema_ref(publish_schema_name(e, op))}}}});
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("publish")},
              {"id", schema_ref(k_request_id)},
              {"entity", string_const(e.name)},
              {"operation", {{"type", "string"}, {"enum", {"insert", "update", "delete"}}}},
              {"data", {{"type", "object"}}}}},
            {"required", ojson::array({"type", "entity", "operation", "data"})},
            {"oneOf", std::move(variants)},
            {"additionalProperties", false}};
}

ojson published_payload(const entity& e) {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("published")},
              {"id", schema_ref(k_request_id)},
              {"entity", string_const(e.name)},
              {"data", schema_ref(e.name)}}},
            {"required", ojson::array({"type", "entity", "data"})}};
}

ojson presence_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("presence")},
              {"id", schema_ref(k_request_id)},
              {"action", {{"type", "string"}, {"enum", ojson::array({"join", "leave"})}}},
              {"resource", {{"type", "string"}, {"minLength", 1}, {"maxLength", 256}}},
              {"meta", {{"type", ojson::array({"object", "null"})}, {"description", "what others see about you on this resource (at most 1 KiB of JSON by default)"}}}}},
            {"required", ojson::array({"type", "action", "resource"})},
            {"additionalProperties", false}};
}

ojson presence_state_payload() {
    ojson user = {{"type", "object"},
                  {"properties", {{"id", {{"type", "string"}}}, {"meta", {{"type", "object"}}}}},
                  {"required", ojson::array({"id", "meta"})}};
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("presence")},
              {"resource", {{"type", "string"}}},
              {"users", {{"type", "array"}, {"items", std::move(user)}, {"description", "sorted by id; cut to the first 100 by default"}}},
              {"count", {{"type", "integer"}, {"minimum", 0}, {"description", "how many users are on the resource"}}}}},
            {"required", ojson::array({"type", "resource", "users"})}};
}

ojson ping_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("ping")},
              {"id", schema_ref(k_request_id)},
              {"timestamp", with_description(int64_schema("integer"), "echoed exactly in the pong; 0 when absent")}}},
            {"required", {"type"}},
            {"additionalProperties", false}};
}

ojson pong_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("pong")}, {"id", schema_ref(k_request_id)}, {"timestamp", int64_schema("integer")}}},
            {"required", ojson::array({"type", "timestamp"})}};
}

ojson refresh_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("refresh")},
              {"id", schema_ref(k_request_id)},
              {"token", {{"type", "string"}, {"minLength", 1}, {"maxLength", 8192}, {"description", "the new JWT, of the same sub"}}}}},
            {"required", ojson::array({"type", "token"})},
            {"additionalProperties", false}};
}

ojson refreshed_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("refreshed")},
              {"id", schema_ref(k_request_id)},
              {"exp", {{"type", "integer"}, {"description", "the new token's exp, seconds since the epoch"}}}}},
            {"required", {"type"}}};
}

ojson spec_changed_payload() {
    auto names = [](const char* what) {
        return ojson{{"type", "array"}, {"items", {{"type", "string"}}}, {"uniqueItems", true}, {"description", what}};
    };
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("spec_changed")},
              {"version", {{"type", "string"}, {"minLength", 1}, {"description", "the new spec's version hash (opaque)"}}},
              {"added", names("subscriptions the new spec declares and the old one did not, sorted")},
              {"changed", names("subscriptions whose definition changed, sorted: each one this connection holds is followed by an unasked subscribed")},
              {"removed", names("subscriptions the new spec no longer declares, sorted: each one this connection holds is followed by an unasked unsubscribed")}}},
            {"required", ojson::array({"type", "version", "added", "changed", "removed"})}};
}

ojson error_payload() {
    return {{"type", "object"},
            {"properties",
             {{"type", type_const("error")},
              {"id", schema_ref(k_request_id)},
              {"code", schema_ref(k_error_code)},
              {"message", {{"type", "string"}, {"description", "for people and logs, not for parsing"}}}}},
            {"required", ojson::array({"type", "code", "message"})}};
}

}  // namespace rt::spec::asyncapi
