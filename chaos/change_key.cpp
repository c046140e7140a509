#include "chaos/change_key.hpp"

namespace rt::chaos {

std::string change_key(const nlohmann::json& row) {
    auto field = [&row](const char* name) {
        if (!row.is_object()) return std::string("?");
        auto it = row.find(name);
        return it != row.end() && it->is_string() ? it->get<std::string>() : std::string("?");
    };
    std::string title = field("title");
    return field("id") + "@" + title.substr(0, title.find('|'));
}

}  // namespace rt::chaos
