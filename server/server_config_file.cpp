// `rt serve --config FILE`: a TOML file read through the settings table (server_settings.cpp).
#include <sstream>

#include <toml++/toml.h>

#include "server/server_settings.hpp"

namespace rt::server {

namespace {

// A TOML value as a setting_input (see there).
setting_input from_toml(const toml::node& n) {
    setting_input in;
    if (auto s = n.as_string()) in.value = s->get();
    else if (auto i = n.as_integer()) in.value = i->get();
    else if (auto f = n.as_floating_point()) in.value = f->get();
    else if (auto b = n.as_boolean()) in.value = b->get();
    else if (auto a = n.as_array()) {
        std::vector<std::string> items;
        for (const auto& e : *a) {
            auto s = e.as_string();
            if (!s) return in;  // monostate: not a list of strings
            items.push_back(s->get());
        }
        in.value = std::move(items);
    }
    return in;
}

std::string known_keys() {
    std::string all;
    for (const auto& s : server_settings())
        if (!s.command_only) all += (all.empty() ? "" : ", ") + s.toml_key();
    return all;
}

}  // namespace

result<void, std::string> apply_config_file(server_config& cfg, const std::string& path) {
    toml::table parsed;
    try {  // toml++ is built with exceptions here; start-up only
        parsed = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        return make_unexpected(os.str());
    }
    for (const auto& [k, node] : parsed) {
        const std::string key(k.str());
        std::ostringstream where;
        where << path << ":" << node.source().begin.line << ":" << node.source().begin.column << ": '" << key << "'";
        const server_setting* s = nullptr;
        for (const auto& candidate : server_settings())
            if (!candidate.command_only && candidate.toml_key() == key) s = &candidate;
        if (!s) return make_unexpected(where.str() + " is not a setting (expected " + known_keys() + ")");
        if (auto r = s->apply(cfg, where.str(), from_toml(node)); !r) return r;
    }
    return {};
}

}  // namespace rt::server
