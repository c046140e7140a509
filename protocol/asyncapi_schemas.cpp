#include "protocol/asyncapi_schemas.hpp"

#include <cstdint>
#include <limits>

#include "protocol/error_code.hpp"

namespace rt::spec::asyncapi {

namespace {

// JSON Schema's type names, with null: every attribute may be unset (docs/spec-language.md, Types).
ojson nullable(const char* type) { return ojson::array({type, "null"}); }

// `id` in a row, an insert, an update or a delete: a non-empty string (docs/protocol.md, publish).
ojson id_schema() { return {{"type", "string"}, {"minLength", 1}, {"description", "the row's id: unique per entity, never changes"}}; }

// id, then every attribute in declaration order.
ojson row_properties(const entity& e) {
    ojson props = ojson::object();
    props["id"] = id_schema();
    for (const attribute& at : e.attrs) props[at.name] = attribute_schema(at);
    return props;
}

ojson row_schema(const entity& e) {
    return {{"type", "object"},
            {"title", e.name},
            {"description", "A row of entity " + e.name +
                                ". Every attribute is optional; null (or leaving it out) means unset."},
            {"properties", row_properties(e)},
            {"required", {"id"}}};
}

// A subscribe's filter: tests on id and the attributes, each a value of the attribute's type or null
// ("attribute unset"; id never null), or a non-empty array of those (a set; not for floats). A
// prefix pattern is a string, so the schema of a string already takes it. An absent filter, null
// and {} match every row.
ojson filter_schema(const entity& e) {
    auto value_or_set = [](ojson one) {
        return ojson{{"anyOf", ojson::array({one, {{"type", "array"}, {"minItems", 1}, {"items", one}}})}};
    };
    ojson props = ojson::object();
    props["id"] = value_or_set({{"type", "string"}});
    for (const attribute& at : e.attrs)
        props[at.name] = at.type.kind == attr_kind::floating ? attribute_schema(at) : value_or_set(attribute_schema(at));
    return {{"type", nullable("object")},
            {"description", "Filter on " + e.name +
                                " rows: every listed attribute must equal its value (null: unset), be one of a non-empty "
                                "array of values (a set; not for float attributes) or, for string and ref attributes and id, "
                                "start with the text before a trailing '*' (a prefix pattern; \\* for a value ending in '*'). "
                                "Indexed by the server."},
            {"properties", std::move(props)},
            {"additionalProperties", false}};
}

// What `publish` may carry in `data`: an insert is a row without required fields (the server
// assigns an id when it has none), an update the fields that change with the row's id, a delete
// the id (other fields are ignored). Unknown fields are refused (BAD_REQUEST) except in a delete.
ojson publish_data_schema(const entity& e, std::string_view op) {
    if (op == "delete")
        return {{"type", "object"},
                {"description", "The id of the " + e.name + " row to delete; other fields are ignored."},
                {"properties", {{"id", id_schema()}}},
                {"required", {"id"}}};
    ojson s = {{"type", "object"},
               {"description", op == "insert" ? "A new " + e.name + " row; without an id the server assigns one (12 hex digits)."
                                              : "The " + e.name + " row's id and the fields that change (merged, like PATCH; null clears)."},
               {"properties", row_properties(e)},
               {"additionalProperties", false}};
    if (op == "update") s["required"] = {"id"};
    return s;
}

// The protocol's shared pieces (docs/protocol.md, sections 3 and 4).
void add_protocol_schemas(ojson& schemas) {
    schemas[std::string(k_request_id)] = {
        {"type", ojson::array({"string", "integer"})},
        {"maxLength", 256},
        {"description", "A client's request id: echoed unchanged in the direct reply (docs/protocol.md, the id echo rule)."}};
    schemas[std::string(k_sid)] = {
        {"type", "string"},
        {"minLength", 1},
        {"maxLength", 256},
        {"description", "A name the client gives one subscription, to hold several of one name on a connection."}};
    schemas[std::string(k_position)] = {
        {"type", nullable("object")},  // null: the same as leaving `since` out
        {"description", "A position in a stream: resume after it (the epoch and seq of the last event processed)."},
        {"properties", {{"epoch", {{"type", "string"}, {"minLength", 1}, {"maxLength", 256}}},
                        {"seq", {{"type", "integer"}, {"minimum", 0}}}}},
        {"required", ojson::array({"epoch", "seq"})},
        {"additionalProperties", false}};
    ojson codes = ojson::array();
    for (proto::error_code c : proto::k_all_error_codes) codes.push_back(std::string(proto::to_wire(c)));
    schemas[std::string(k_error_code)] = {
        {"type", "string"},
        {"enum", std::move(codes)},
        {"description", "Why a message was refused; a client treats a code it does not know like BAD_REQUEST."}};
}

}  // namespace

ojson int64_schema(ojson type) {
    return {{"type", std::move(type)},
            {"format", "int64"},
            {"minimum", std::numeric_limits<std::int64_t>::min()},
            {"maximum", std::numeric_limits<std::int64_t>::max()}};
}

ojson schema_ref(std::string_view name) { return {{"$ref", "#/components/schemas/" + std::string(name)}}; }

std::string filter_schema_name(const entity& e) { return e.name + ".filter"; }

std::string publish_schema_name(const entity& e, std::string_view op) { return e.name + "." + std::string(op); }

ojson attribute_schema(const attribute& at) {
    switch (at.type.kind) {
        case attr_kind::string: return {{"type", nullable("string")}};
        case attr_kind::integer: return int64_schema(nullable("integer"));
        case attr_kind::floating: return {{"type", nullable("number")}, {"format", "double"}};
        case attr_kind::boolean: return {{"type", nullable("boolean")}};
        case attr_kind::enumeration: {
            ojson choices = ojson::array();
            for (const std::string& c : at.type.choices) choices.push_back(c);
            choices.push_back(nullptr);  // JSON Schema: an enum must list null for null to pass
            return {{"type", nullable("string")}, {"enum", std::move(choices)}};
        }
        case attr_kind::ref:
            return {{"type", nullable("string")},
                    {"description", "The id of a " + at.type.ref_entity + " row (ref " + at.type.ref_entity +
                                        "; rt does not check that the row exists)."},
                    {"x-rt-ref", at.type.ref_entity}};
    }
    return {{"type", nullable("string")}};
}

void add_schemas(const app& a, ojson& schemas) {
    for (const entity& e : a.entities) {
        schemas[e.name] = row_schema(e);
        schemas[filter_schema_name(e)] = filter_schema(e);
        for (const char* op : {"insert", "update", "delete"}) schemas[publish_schema_name(e, op)] = publish_data_schema(e, op);
    }
    add_protocol_schemas(schemas);
}

}  // namespace rt::spec::asyncapi
