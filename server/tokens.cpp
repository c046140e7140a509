#include "server/tokens.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace rt::server {

namespace {

// Reads a list of strings; returns false (and sets err) on a wrong type.
bool read_names(const toml::table& t, const char* key, std::set<std::string>& out, bool& any,
                std::string& err, const std::string& where) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    const toml::array* a = n->as_array();
    if (!a) { err = where + ": '" + key + "' must be a list of names"; return false; }
    for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s) { err = where + ": '" + key + "' must contain only strings"; return false; }
        if (*s == "*") any = true; else out.insert(*s);
    }
    return true;
}

nlohmann::json to_json(const toml::node& n) {
    if (auto s = n.value<std::string>()) return *s;
    if (n.is_integer()) return *n.value<std::int64_t>();
    if (n.is_floating_point()) return *n.value<double>();
    if (auto b = n.value<bool>()) return *b;
    return nullptr;
}

}  // namespace

result<token_table, std::string> parse_tokens(std::string_view text, const std::string& source) {
    toml::table root;
    try {  // toml++ is built with exceptions here; start-up only
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        return make_unexpected(os.str());
    }
    const toml::table* tokens = root["tokens"].as_table();
    if (!tokens) return make_unexpected(source + ": expected a [tokens.<TOKEN>] table");
    token_table out;
    int n = 0;
    for (const auto& [key, node] : *tokens) {
        ++n;
        std::string where = source + ": token #" + std::to_string(n);
        const toml::table* t = node.as_table();
        if (!t) return make_unexpected(where + ": must be a table");
        rights r;
        auto user = (*t)["user"].value<std::string>();
        if (!user || user->empty()) return make_unexpected(where + ": missing 'user' (a string)");
        r.user = *user;
        where = source + ": token of user '" + r.user + "'";
        std::string err;
        if (!read_names(*t, "subscribe", r.subscriptions, r.any_subscription, err, where) ||
            !read_names(*t, "publish", r.publish, r.any_entity, err, where))
            return make_unexpected(err);
        if (const toml::node* p = t->get("presence")) {
            const toml::array* a = p->as_array();
            if (!a) return make_unexpected(where + ": 'presence' must be a list of resource patterns");
            r.presence.clear();
            for (const auto& e : *a) {
                auto s = e.value<std::string>();
                if (!s) return make_unexpected(where + ": 'presence' must contain only strings");
                r.presence.push_back(*s);
            }
        }
        if (const toml::node* f = t->get("filters")) {
            const toml::table* ft = f->as_table();
            if (!ft) return make_unexpected(where + ": 'filters' must be a table of subscription → {attr = [values]}");
            for (const auto& [sub, attrs] : *ft) {
                const toml::table* at = attrs.as_table();
                if (!at) return make_unexpected(where + ": filters." + std::string(sub.str()) + " must be a table");
                for (const auto& [attr, values] : *at) {
                    std::vector<nlohmann::json> allowed;
                    if (const toml::array* va = values.as_array()) {
                        for (const auto& v : *va) allowed.push_back(to_json(v));
                    } else {
                        allowed.push_back(to_json(values));
                    }
                    r.pinned_filters[std::string(sub.str())][std::string(attr.str())] = std::move(allowed);
                }
            }
        }
        for (const auto& [k, v] : *t) {
            std::string_view name = k.str();
            if (name != "user" && name != "subscribe" && name != "publish" && name != "presence" && name != "filters")
                return make_unexpected(where + ": unknown key '" + std::string(name) +
                                       "' (expected user, subscribe, publish, presence, filters)");
            (void)v;
        }
        out.emplace(std::string(key.str()), std::move(r));
    }
    if (out.empty()) return make_unexpected(source + ": no tokens defined");
    return out;
}

result<token_table, std::string> load_tokens_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_unexpected(path + ": cannot open tokens file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_tokens(ss.str(), path);
}

}  // namespace rt::server
