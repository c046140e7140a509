// The tokens file's checker: one [tokens.<TOKEN>] table at a time, against the spec.
#include "server/token_checker.hpp"

#include <algorithm>

#include "protocol/spec_json_text.hpp"
#include "protocol/spec_value_check.hpp"
#include "protocol/text_check.hpp"
#include "server/log.hpp"

namespace rt::server {

namespace {

using json = nlohmann::json;

// Errors past this many are dropped: a file that wrong needs its first screenful fixed first.
constexpr std::size_t max_errors = 50;

std::string token_name_join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::optional<json> to_json(const toml::node& n) {
    if (n.is_string()) return json(*n.value<std::string>());
    if (n.is_integer()) return json(*n.value<std::int64_t>());
    if (n.is_floating_point()) return json(*n.value<double>());
    if (n.is_boolean()) return json(*n.value<bool>());
    return std::nullopt;
}

}  // namespace

void token_checker::error(const toml::source_region& at, const std::string& msg) {
    errors_.emplace_back(static_cast<int>(at.begin.line), static_cast<int>(at.begin.column), log_text(msg, k_text_uncut, text_escape::controls_only));
}

std::string token_checker::subscription_names() const {
    std::vector<std::string> v;
    for (const auto& s : app_.subscriptions) v.push_back(s.name);
    return token_name_join(v);
}

std::string token_checker::entity_names() const {
    std::vector<std::string> v;
    for (const auto& e : app_.entities) v.push_back(e.name);
    return token_name_join(v);
}

std::string token_checker::attribute_names(const spec::entity& e) {
    std::vector<std::string> v{"id"};
    for (const auto& a : e.attrs) v.push_back(a.name);
    return token_name_join(v);
}

std::string token_checker::report() {
    std::sort(errors_.begin(), errors_.end());
    errors_.erase(std::unique(errors_.begin(), errors_.end()), errors_.end());
    std::string out;
    std::size_t n = 0;
    for (const auto& [line, col, msg] : errors_) {
        if (n++ == max_errors) {
            out += source_ + ": error: " + std::to_string(errors_.size() - max_errors) + " more errors not shown\n";
            break;
        }
        // Nodes built in memory (a JWT's claim, tokens.cpp) have no position: line 0.
        out += source_ + (line > 0 ? ":" + std::to_string(line) + ":" + std::to_string(col) : std::string()) + ": error: " + msg + "\n";
    }
    if (!out.empty()) out.pop_back();
    return out;
}

std::optional<token_checker::name_list> token_checker::names(const toml::table& t, const char* key,
                                                            const std::string& who, const std::string& example) {
    name_list out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
        error(n->source(), who + ": '" + key + "' must be a list, e.g. " + key + " = " + example);
        return std::nullopt;
    }
    for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s || !e.is_string()) {
            error(e.source(), who + ": '" + key + "' must contain only strings, e.g. " + key + " = " + example);
            continue;
        }
        out.emplace_back(*s, e.source());
    }
    return out;
}

void token_checker::scope_table(const std::string& who, const std::string& path, const spec::entity& e,
                          const toml::table& t, row_scope& out) {
    if (t.empty()) error(t.source(), who + ": " + path + " pins nothing: list attribute = [values] under it");
    for (const auto& [k, node] : t) {
        std::string attr(k.str());
        const spec::attribute* at = e.find(attr);
        if (!at) {
            error(k.source(), who + ": " + path + "." + attr + ": entity " + e.name + " has no attribute '" + attr +
                                  "' (it has: " + attribute_names(e) + ")");
            continue;
        }
        const toml::array* values = node.as_array();
        if (!values) {
            std::string example = at->type.kind == spec::attr_kind::enumeration && !at->type.choices.empty()
                                      ? "\"" + at->type.choices.front() + "\""
                                      : "...";
            error(node.source(), who + ": " + path + "." + attr + " must be a list of values, e.g. " + attr + " = [" +
                                     example + "]");
            continue;
        }
        if (values->empty()) {
            error(node.source(), who + ": " + path + "." + attr + " = [] allows no row; list at least one value");
            continue;
        }
        std::vector<json> allowed;
        for (const auto& v : *values) {
            auto j = to_json(v);
            if (!j) {
                error(v.source(), who + ": " + path + "." + attr + ": values must be strings, numbers or booleans");
                continue;
            }
            if (auto typed = spec::check_value(at->type, *j); !typed) {
                error(v.source(), who + ": " + path + "." + attr + ": " + typed.error());
                continue;
            }
            allowed.push_back(std::move(*j));
        }
        out[attr] = std::move(allowed);
    }
}

rights token_checker::token(const toml::table& t, const std::string& key_text) {
    rights r;
    std::string who = "token " + key_text;
    auto user = t["user"].value<std::string>();
    if (!user || user->empty() || !t["user"].is_string()) {
        error(t.source(), who + ": missing 'user' (a non-empty string naming the user)");
    } else if (!proto::valid_utf8(*user)) {
        // The TOML parser checks the file's encoding; this keeps any path to a user name to one rule.
        error(t.source(), who + ": 'user' is not valid UTF-8");
    } else if (has_control_char(*user)) {
        // A name is shown in presence lists, logs and these messages: one line of printable text.
        error(t["user"].node()->source(), who + ": 'user' must not contain control characters (U+0000..U+001F, "
                                                "U+007F..U+009F): " + spec::json_text(json(*user)));
    } else {
        r.user = *user;
    }
    who = r.user.empty() ? who : "token of user '" + r.user + "'";

    for (const auto& [k, v] : t) {
        std::string_view name = k.str();
        if (name != "user" && name != "subscribe" && name != "publish" && name != "presence" && name != "admin" &&
            name != "filters" && name != "publish_filters")
            error(k.source(), who + ": unknown key '" + std::string(name) +
                                  "' (expected user, subscribe, publish, presence, admin, filters, publish_filters)");
    }

    bool dropped_subscription = false;  // a retired subscription left out of `subscribe`
    if (auto list = names(t, "subscribe", who, "[\"" + (app_.subscriptions.empty() ? std::string("Name") : app_.subscriptions[0].name) + "\"]")) {
        for (const auto& [name, at] : *list) {
            if (name == "*") r.any_subscription = true;
            else if (app_.find_subscription(name)) r.subscriptions.insert(name);
            else if (retired_subscription(name)) dropped_subscription = true;
            else error(at, who + ": subscribe: no subscription named '" + name + "' in the spec (it has: " +
                               subscription_names() + "; or \"*\")");
        }
    }
    if (auto list = names(t, "publish", who, "[\"" + (app_.entities.empty() ? std::string("Entity") : app_.entities[0].name) + "\"]")) {
        for (const auto& [name, at] : *list) {
            if (name == "*") r.any_entity = true;
            else if (app_.find_entity(name)) r.publish.insert(name);
            else if (retired_entity(name)) continue;
            else error(at, who + ": publish: no entity named '" + name + "' in the spec (it has: " + entity_names() +
                               "; or \"*\")");
        }
    }
    if (auto list = names(t, "presence", who, "[\"board:*\"]"))
        for (const auto& [name, at] : *list) r.presence.push_back(name);
    if (const toml::node* a = t.get("admin")) {
        if (!a->is_boolean()) error(a->source(), who + ": 'admin' must be true or false");
        else r.admin = *a->value<bool>();
    }

    // filters.<Subscription or Entity>: the entity's read scope. Keyed by subscription for
    // compatibility; either way it applies to every path to the entity's rows.
    std::map<std::string, std::string> scope_origin;  // entity → the filters key that set its scope
    if (const toml::node* f = t.get("filters")) {
        const toml::table* ft = f->as_table();
        if (!ft) {
            error(f->source(), who + ": 'filters' must be tables: [tokens.<TOKEN>.filters.<Subscription or Entity>]");
        } else {
            for (const auto& [k, node] : *ft) {
                std::string key(k.str());
                std::string path = "filters." + key;
                const spec::subscription* sub = app_.find_subscription(key);
                const spec::entity* ent = sub ? app_.find_entity(sub->entity) : app_.find_entity(key);
                if (!sub && !ent) {
                    error(k.source(), who + ": " + path + ": no subscription or entity named '" + key +
                                          "' in the spec (subscriptions: " + subscription_names() +
                                          "; entities: " + entity_names() + ")");
                    continue;
                }
                if (sub && !r.may_subscribe(key)) {
                    error(k.source(), who + ": " + path + ": the token may not subscribe to '" + key +
                                          "' (add it to subscribe, or remove this table)");
                    continue;
                }
                if (!sub) {
                    bool any = false;
                    for (const auto& s : app_.subscriptions) any = any || (s.entity == key && r.may_subscribe(s.name));
                    // The subscriptions it was written for may be retired: the scope is kept (it
                    // only narrows) rather than refused.
                    if (!any && !dropped_subscription) {
                        error(k.source(), who + ": " + path + ": the token may not subscribe to any subscription of " +
                                              key + " (add one to subscribe, or remove this table)");
                        continue;
                    }
                }
                const toml::table* at = node.as_table();
                if (!at) {
                    error(node.source(), who + ": " + path + " must be a table of attribute = [values]");
                    continue;
                }
                row_scope scope;
                scope_table(who, path, *ent, *at, scope);
                auto prev = scope_origin.find(ent->name);
                if (prev != scope_origin.end() && r.read_scope[ent->name] != scope) {
                    error(k.source(), who + ": " + path + " pins entity " + ent->name + " differently from filters." +
                                          prev->second + ": a row scope is one per entity (write it once, as [... .filters." +
                                          ent->name + "])");
                    continue;
                }
                scope_origin.emplace(ent->name, key);
                r.read_scope[ent->name] = std::move(scope);
            }
        }
    }
    if (const toml::node* f = t.get("publish_filters")) {
        const toml::table* ft = f->as_table();
        if (!ft) {
            error(f->source(), who + ": 'publish_filters' must be tables: [tokens.<TOKEN>.publish_filters.<Entity>]");
        } else {
            for (const auto& [k, node] : *ft) {
                std::string key(k.str());
                std::string path = "publish_filters." + key;
                const spec::entity* ent = app_.find_entity(key);
                if (!ent) {
                    if (!retired_entity(key))  // a retired one: nothing left it could write
                        error(k.source(), who + ": " + path + ": no entity named '" + key + "' in the spec (it has: " +
                                              entity_names() + ")");
                    continue;
                }
                if (!r.may_publish(key)) {
                    error(k.source(), who + ": " + path + ": the token may not publish to '" + key +
                                          "' (add it to publish, or remove this table)");
                    continue;
                }
                const toml::table* at = node.as_table();
                if (!at) {
                    error(node.source(), who + ": " + path + " must be a table of attribute = [values]");
                    continue;
                }
                scope_table(who, path, *ent, *at, r.write_scope[key]);
            }
        }
    }
    return r;
}

}  // namespace rt::server
