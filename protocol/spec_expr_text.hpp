#pragma once
// The source form of a `where` expression (for describe() and tests).
#include <string>

#include "protocol/spec.hpp"

namespace rt::spec {

// `status != "done" and (priority > 2 or not board == "b1")`: the expression as it could be
// written back, with parentheses only where precedence (or < and < not) needs them.
std::string to_string(const expr& e);

std::string_view to_string(cmp_op op);  // "==", "!=", "<", "<=", ">", ">="

}  // namespace rt::spec
