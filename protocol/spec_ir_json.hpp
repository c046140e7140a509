#pragma once
// An app's IR as JSON, for pages and tools that need the spec's structure rather than its text
// (GET /api/_spec?format=json; the live inspector lists subscriptions and columns from it). Pure.
#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"

namespace rt::spec {

// {"app": NAME,
//  "entities": [{"name", "attrs": [{"name", "type": "string"|"int"|"float"|"bool"|"enum"|"ref",
//                                    "choices": [...] (enum), "ref": ENTITY (ref)}]}],
//  "views": [{"name", "entity", "where": "status != \"done\""}],
//  "subscriptions": [{"name", "kind": "view"|"by_id"|"entity", "entity", "view" (kind view)}]}
// Attributes in declaration order, `id` first (a string every entity has).
json to_ir_json(const app& a);

// "view", "by_id" or "entity": a subscription's kind as to_ir_json() and the AsyncAPI document name it.
const char* ir_kind_name(subscription_kind k);

// 16 hex digits naming what the spec declares: FNV-1a (64 bits) of to_ir_json(a)'s text. Comments
// and spacing do not change it; any declaration, type, `where` or their order does. The AsyncAPI
// document's info.version (asyncapi.hpp).
std::string ir_hash(const app& a);

}  // namespace rt::spec
