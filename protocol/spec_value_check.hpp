#pragma once
// Does a JSON value belong to an attribute type? Shared by row and filter validation.
#include <string>

#include "protocol/spec.hpp"

namespace rt::spec {

// ok when `v` is a value of type `t`, else "expected <type>, got <value>", e.g.
// "expected one of \"todo\" | \"done\", got string \"later\"". int takes an integer JSON number
// that fits int64 (3.0 is a float, not an int); float takes any number; ref takes a string id.
// null is not a value of any type: callers decide whether null (unset) is allowed.
result<void, std::string> check_value(const attr_type& t, const json& v);

}  // namespace rt::spec
