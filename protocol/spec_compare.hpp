#pragma once
// How the spec language compares JSON values (shared by `where` and client filters).
#include <optional>

#include <nlohmann/json.hpp>

namespace rt::spec {

// Equality: numbers by value whatever their representation (3 == 3.0, unsigned 3 == signed 3);
// everything else by type and value. null equals only null.
bool values_equal(const nlohmann::json& a, const nlohmann::json& b);

// Three-way order (-1, 0, 1) of two numbers or of two strings (bytewise); nullopt for any other
// pair (null, bools, mixed types, objects, arrays).
std::optional<int> values_order(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace rt::spec
