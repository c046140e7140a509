#include "chaos/change_key.hpp"

namespace rt::chaos {

std::string change_key(const nlohmann::json& row, const std::string& key_attr) {
    auto field = [&row](const std::string& name) {
        if (!row.is_object()) return std::string("?");
        auto it = row.find(name);
        return it != row.end() && it->is_string() ? it->get<std::string>() : std::string("?");
    };
    std::string title = field(key_attr);
    return field("id") + "@" + title.substr(0, title.find('|'));
}

}  // namespace rt::chaos
