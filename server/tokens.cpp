#include "server/tokens.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "server/log.hpp"
#include "server/token_checker.hpp"
#include "server/tokens_text.hpp"

namespace rt::server {

namespace {

using json = nlohmann::json;

// JSON → TOML, so that a claim is read by the tokens file's checker. TOML has no null: refused.
// `path` names the place in errors ("rt.filters.Ticket").
result<void, std::string> claim_to_toml(const json& v, const std::string& path, toml::array* arr, toml::table* tab,
                                        const std::string& key);

result<toml::table, std::string> claim_table(const json& obj, const std::string& path) {
    toml::table t;
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (auto r = claim_to_toml(it.value(), path + "." + it.key(), nullptr, &t, it.key()); !r)
            return make_unexpected(r.error());
    return t;
}

result<void, std::string> claim_to_toml(const json& v, const std::string& path, toml::array* arr, toml::table* tab,
                                        const std::string& key) {
    auto put = [&](auto&& value) {
        if (arr) arr->push_back(std::forward<decltype(value)>(value));
        else tab->insert_or_assign(key, std::forward<decltype(value)>(value));
    };
    switch (v.type()) {
        case json::value_t::string: put(v.get<std::string>()); return {};
        case json::value_t::boolean: put(v.get<bool>()); return {};
        case json::value_t::number_integer: put(v.get<std::int64_t>()); return {};
        case json::value_t::number_unsigned: put(static_cast<std::int64_t>(v.get<std::uint64_t>())); return {};
        case json::value_t::number_float: put(v.get<double>()); return {};
        case json::value_t::object: {
            auto t = claim_table(v, path);
            if (!t) return make_unexpected(t.error());
            put(std::move(*t));
            return {};
        }
        case json::value_t::array: {
            toml::array a;
            for (const auto& e : v)
                if (auto r = claim_to_toml(e, path + "[]", &a, nullptr, {}); !r) return r;
            put(std::move(a));
            return {};
        }
        default: return make_unexpected(path + ": null is not a value here");
    }
}

}  // namespace

result<token_table, std::string> parse_tokens(std::string_view text, const std::string& source, const spec::app& app) {
    toml::table root;
    try {  // toml++ is built with exceptions here; start-up and reload only
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << source << ":" << e.source().begin.line << ":" << e.source().begin.column
           << ": error: " << log_text(hide_key_path(std::string(e.description()), e.source().begin.line), k_text_uncut, text_escape::controls_only);
        return make_unexpected(os.str());
    }
    token_checker check(app, source);
    for (const auto& [k, v] : root)
        if (k.str() != "tokens") check.error(k.source(), "unknown table '" + std::string(k.str()) + "' (expected [tokens.<TOKEN>])");
    const toml::table* tokens = root["tokens"].as_table();
    if (!tokens) return make_unexpected(source + ":1:1: error: expected a [tokens.<TOKEN>] table");
    token_table out;
    for (const auto& [key, node] : *tokens) {
        // Named by where it is (the token itself never appears in a message).
        std::string key_text = "at line " + std::to_string(key.source().begin.line);
        const toml::table* t = node.as_table();
        if (key.str().empty()) {
            check.error(key.source(), "token " + key_text + ": a token must not be empty");
            continue;
        }
        if (!t) {
            check.error(node.source(), "token " + key_text + ": must be a table [tokens.<TOKEN>] with user = \"...\"");
            continue;
        }
        out.emplace(std::string(key.str()), check.token(*t, key_text));
    }
    if (check.failed()) return make_unexpected(check.report());
    if (out.empty()) return make_unexpected(source + ":1:1: error: no tokens defined");
    return out;
}

result<token_table, std::string> load_tokens_file(const std::string& path, const spec::app& app) {
    std::ifstream in(path);
    if (!in) return make_unexpected(path + ": error: cannot open tokens file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_tokens(ss.str(), path, app);
}

result<rights, std::string> rights_from_claim(const json& rt_claim, const std::string& sub, const spec::app& app,
                                              const retired_names* retired) {
    const std::string source = "JWT claim 'rt'";
    if (rt_claim.is_null()) {  // no claim: a user with no rights, like a token table with only `user`
        rights r;
        r.user = sub;
        return r;
    }
    if (!rt_claim.is_object()) return make_unexpected(source + ": error: must be an object of rights");
    if (rt_claim.contains("user"))
        return make_unexpected(source + ": error: unknown key 'user': the user is the claim 'sub'");
    auto t = claim_table(rt_claim, "rt");
    if (!t) return make_unexpected(source + ": error: " + t.error());
    t->insert_or_assign("user", sub);
    token_checker check(app, source, retired);
    rights r = check.token(*t, "in the JWT");
    if (check.failed()) return make_unexpected(check.report());
    return r;
}

}  // namespace rt::server
