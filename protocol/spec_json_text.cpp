#include "protocol/spec_json_text.hpp"

namespace rt::spec {

std::string json_text(const nlohmann::json& v, std::size_t max_chars) {
    std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > max_chars) {
        s.resize(max_chars);
        s += "...";
    }
    return s;
}

std::string describe_value(const nlohmann::json& v) {
    switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "object";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::string: return "string " + json_text(v);
    case nlohmann::json::value_t::boolean: return "bool " + json_text(v);
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "int " + json_text(v);
    case nlohmann::json::value_t::number_float: return "float " + json_text(v);
    default: return "invalid value";
    }
}

}  // namespace rt::spec
