#pragma once
// Printing JSON values inside error messages without ever throwing.
#include <string>

#include <nlohmann/json.hpp>

namespace rt::spec {

// The value as JSON text; invalid UTF-8 is replaced instead of throwing. Long text is cut to
// `max_chars` with "..." (error messages stay one readable line).
std::string json_text(const nlohmann::json& v, std::size_t max_chars = 60);

// "string \"high\"", "int 3", "float 2.5", "bool true", "null", "object", "array": what a value
// is, for "expected X, got Y" messages.
std::string describe_value(const nlohmann::json& v);

}  // namespace rt::spec
