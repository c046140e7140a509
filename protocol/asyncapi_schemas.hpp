#pragma once
// The JSON Schemas of the AsyncAPI document (asyncapi.hpp): an app's rows, filters and publish
// data from its entities, and the pieces of protocol v1 every message shares. Private to
// asyncapi.cpp, asyncapi_payloads.cpp and their tests.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"

namespace rt::spec::asyncapi {

using ojson = nlohmann::ordered_json;

// {"$ref": "#/components/schemas/NAME"}
ojson schema_ref(std::string_view name);

// Names in components.schemas. Entity rows use the entity's name; everything else has a dot,
// which no spec name can hold, so an entity can never take another schema's name.
std::string filter_schema_name(const entity& e);                         // "Task.filter"
std::string publish_schema_name(const entity& e, std::string_view op);  // "Task.insert" | "Task.update" | "Task.delete"
inline constexpr std::string_view k_request_id = "rt.requestId";
inline constexpr std::string_view k_sid = "rt.sid";
inline constexpr std::string_view k_position = "rt.position";
inline constexpr std::string_view k_error_code = "rt.errorCode";

// An integer that fits 64 bits signed (an int attribute, a ping's timestamp), of JSON Schema
// type `type` ("integer", or ["integer", "null"]).
ojson int64_schema(ojson type);

// One attribute's value: its JSON type (int: an integer, float: any number), a union's choices
// as an enum, a ref as the id string of the referenced entity; null allowed (unsets it).
ojson attribute_schema(const attribute& at);

// Adds, in this order, every entity's row, filter and publish-data schemas (spec order), then
// the protocol's shared ones (request id, sid, position, error codes), to `schemas`.
void add_schemas(const app& a, ojson& schemas);

}  // namespace rt::spec::asyncapi
