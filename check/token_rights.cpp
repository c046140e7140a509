#include "check/token_rights.hpp"

#include <algorithm>

namespace rt::check {

using nlohmann::json;

namespace {

bool names_allow(const std::set<std::string>& names, const std::string& name) {
    return names.count("*") > 0 || names.count(name) > 0;
}

const row_scope* scope_in(const std::map<std::string, row_scope>& m, const std::string& entity) {
    auto it = m.find(entity);
    return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

result<std::set<std::string>, std::string> parse_names(const json& j, const char* key) {
    std::set<std::string> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_array()) return make_unexpected(std::string(key) + " is not a list of names");
    for (const json& n : j[key]) {
        if (!n.is_string()) return make_unexpected(std::string(key) + " holds something that is not a name: " + n.dump());
        out.insert(n.get<std::string>());
    }
    return out;
}

result<std::map<std::string, row_scope>, std::string> parse_scopes(const json& j, const char* key) {
    std::map<std::string, row_scope> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_object()) return make_unexpected(std::string(key) + " is not an object {Entity: {attribute: [values]}}");
    for (const auto& [entity, scope] : j[key].items()) {
        if (!scope.is_object()) return make_unexpected(std::string(key) + "." + entity + " is not an object {attribute: [values]}");
        for (const auto& [attr, values] : scope.items()) {
            if (!values.is_array() || values.empty())
                return make_unexpected(std::string(key) + "." + entity + "." + attr + " is not a non-empty list of values");
            out[entity][attr] = values.get<std::vector<json>>();
        }
    }
    return out;
}

}  // namespace

bool token_rights::may_subscribe(const std::string& s) const { return all || names_allow(subscribe, s); }
bool token_rights::may_publish(const std::string& e) const { return all || names_allow(publish, e); }
const row_scope* token_rights::read_scope_of(const std::string& e) const { return all ? nullptr : scope_in(read_scope, e); }
const row_scope* token_rights::write_scope_of(const std::string& e) const { return all ? nullptr : scope_in(write_scope, e); }

result<token_rights, std::string> parse_token_rights(const json& j) {
    token_rights r;
    if (j == "all") {
        r.all = true;
        return r;
    }
    if (!j.is_object()) return make_unexpected("rights is neither \"all\" nor an object: " + j.dump());
    r.user = j.value("user", "");
    r.admin = j.value("admin", false);
    std::string why;  // the first member that is wrong
    const auto take = [&why](auto parsed, auto& into) {
        if (!parsed) why = why.empty() ? parsed.error() : why;
        else into = std::move(*parsed);
    };
    std::set<std::string> presence;
    take(parse_names(j, "subscribe"), r.subscribe);
    take(parse_names(j, "publish"), r.publish);
    take(parse_names(j, "presence"), presence);
    take(parse_scopes(j, "read_scope"), r.read_scope);
    take(parse_scopes(j, "write_scope"), r.write_scope);
    if (!why.empty()) return make_unexpected(why);
    r.presence.assign(presence.begin(), presence.end());
    return r;
}

bool in_row_scope(const row_scope& scope, const json& row) {
    for (const auto& [attr, allowed] : scope) {
        if (!row.is_object() || !row.contains(attr)) return false;
        const json& v = row[attr];
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) return false;
    }
    return true;
}

}  // namespace rt::check
