#include "protocol/spec_value_check.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "protocol/spec_json_text.hpp"

namespace rt::spec {

result<void, std::string> check_value(const attr_type& t, const json& v) {
    auto mismatch = [&](const std::string& expected, const char* note = "") {
        return make_unexpected("expected " + expected + ", got " + describe_value(v) + note);
    };
    switch (t.kind) {
    case attr_kind::string:
        if (!v.is_string()) return mismatch("string");
        return {};
    case attr_kind::integer:
        if (!v.is_number_integer()) return mismatch("int");
        if (v.is_number_unsigned() &&
            v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return mismatch("int", " (out of 64-bit range)");
        }
        return {};
    case attr_kind::floating:
        if (!v.is_number()) return mismatch("float");
        return {};
    case attr_kind::boolean:
        if (!v.is_boolean()) return mismatch("bool");
        return {};
    case attr_kind::ref:
        if (!v.is_string()) return mismatch("ref " + t.ref_entity + " (a string id)");
        return {};
    case attr_kind::enumeration:
        if (!v.is_string() ||
            std::find(t.choices.begin(), t.choices.end(), v.get_ref<const std::string&>()) == t.choices.end()) {
            return mismatch("one of " + to_string(t));
        }
        return {};
    }
    return mismatch(to_string(t));
}

}  // namespace rt::spec
