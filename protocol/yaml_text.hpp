#pragma once
// JSON values written as YAML (block style), for documents people read and diff: `rt spec
// asyncapi --format yaml`. Pure; no YAML library: JSON is YAML's data model, so the writer only
// decides layout and when a string must be quoted.
#include <string>

#include <nlohmann/json.hpp>

namespace rt::proto {

// The value as a YAML 1.2 document (ending with a newline) that a YAML parser reads back as the
// same JSON value, keys in the value's order:
// - objects and arrays in block style, two spaces per level; empty ones as {} and []; a key
//   longer than 1024 bytes as an explicit key ("? key" then ": value");
// - strings plain when nothing could read them as something else (letters, digits and _ . / $ -
//   and inner spaces, not starting with a digit, '-' or '.', not true/false/null/yes/no/on/off/~
//   in any case), otherwise double-quoted with JSON's escapes; a C1 control, U+2028 and U+2029
//   are written \uXXXX (YAML 1.1 readers take some of them for line breaks), other UTF-8 as is,
//   and a byte that is not UTF-8 as U+FFFD;
// - numbers, booleans and null as JSON writes them.
std::string to_yaml(const nlohmann::ordered_json& v);

}  // namespace rt::proto
