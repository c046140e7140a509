#include "client/client_args.hpp"

#include <cctype>
#include <limits>

namespace rt::client {

result<proto::stream_position, std::string> parse_since(std::string_view text) {
    const std::string form = "expected EPOCH:SEQ (e.g. 9f2c:41, as in a subscribed or event message), got '" +
                             std::string(text) + "'";
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return make_unexpected(form);
    proto::stream_position pos;
    pos.epoch = std::string(text.substr(0, colon));
    std::uint64_t seq = 0;
    for (char c : text.substr(colon + 1)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return make_unexpected(form);
        const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
        if (seq > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return make_unexpected("seq out of range in '" + std::string(text) + "'");
        seq = seq * 10 + digit;
    }
    pos.seq = seq;
    return pos;
}

namespace {
const char* type_name(const proto::json& j) {
    switch (j.type()) {
        case proto::json::value_t::array: return "an array";
        case proto::json::value_t::string: return "a string";
        case proto::json::value_t::boolean: return "a boolean";
        case proto::json::value_t::null: return "null";
        default: return "a number";
    }
}
}  // namespace

result<proto::json, std::string> parse_json_object(std::string_view text, std::string_view what) {
    std::string prefix = std::string(what) + ": ";
    proto::json j;
    try {
        // The error text of nlohmann's parser says where the JSON breaks; worth the exception here
        // (command-line input, parsed once).
        j = proto::json::parse(text);
    } catch (const proto::json::parse_error& e) {
        std::string msg = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." → from "parse error".
        if (auto p = msg.find("parse error"); p != std::string::npos) msg = msg.substr(p);
        return make_unexpected(prefix + "not valid JSON: " + msg);
    }
    if (!j.is_object()) return make_unexpected(prefix + "expected a JSON object, got " + type_name(j));
    return j;
}

}  // namespace rt::client
