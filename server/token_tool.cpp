#include "server/token_tool.hpp"

#include "protocol/jwt_policy.hpp"
#include "protocol/spec.hpp"
#include "protocol/units.hpp"
#include "server/jwt_codec.hpp"
#include "server/jwt_verifier.hpp"
#include "server/tokens.hpp"

namespace rt::server {

namespace {

using json = nlohmann::json;

// "Name.attr=value" into scopes[Name][attr] (values accumulate, no duplicates).
result<void, std::string> add_scope(json& scopes, const std::string& text, const char* flag) {
    auto dot = text.find('.');
    auto eq = text.find('=', dot == std::string::npos ? 0 : dot);
    if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq == dot + 1)
        return make_unexpected(std::string(flag) + " '" + text + "': expected NAME.ATTRIBUTE=VALUE, e.g. TaskUpdates.board=b1");
    std::string name = text.substr(0, dot), attr = text.substr(dot + 1, eq - dot - 1), raw = text.substr(eq + 1);
    json value = json::parse(raw, nullptr, false);
    if (value.is_discarded() || !(value.is_number() || value.is_boolean() || value.is_string())) value = raw;
    json& list = scopes[name][attr];
    if (!list.is_array()) list = json::array();
    for (const auto& v : list)
        if (v == value) return {};
    list.push_back(std::move(value));
    return {};
}

json string_list(const std::vector<std::string>& v) {
    json out = json::array();
    for (const auto& s : v) out.push_back(s);
    return out;
}

}  // namespace

result<json, std::string> mint_claims(const mint_request& r, std::int64_t now_s) {
    if (r.sub.empty()) return make_unexpected(std::string("--sub USER is required (the token's user)"));
    if (r.ttl.count() <= 0) return make_unexpected(std::string("--ttl must be positive (e.g. 1h)"));
    json claims = {{"sub", r.sub}, {"iat", now_s}, {"nbf", now_s}, {"exp", now_s + (r.ttl.count() + 999) / 1000}};
    if (!r.audience.empty()) claims["aud"] = r.audience;
    if (!r.issuer.empty()) claims["iss"] = r.issuer;
    json rights = json::object();
    if (!r.subscribe.empty()) rights["subscribe"] = string_list(r.subscribe);
    if (!r.publish.empty()) rights["publish"] = string_list(r.publish);
    if (!r.presence.empty()) rights["presence"] = string_list(r.presence);
    if (r.admin) rights["admin"] = true;
    json filters = json::object(), publish_filters = json::object();
    for (const auto& f : r.filters)
        if (auto ok = add_scope(filters, f, "--filter"); !ok) return make_unexpected(ok.error());
    for (const auto& f : r.publish_filters)
        if (auto ok = add_scope(publish_filters, f, "--publish-filter"); !ok) return make_unexpected(ok.error());
    if (!filters.empty()) rights["filters"] = std::move(filters);
    if (!publish_filters.empty()) rights["publish_filters"] = std::move(publish_filters);
    if (!rights.empty()) claims["rt"] = std::move(rights);
    if (!r.spec_path.empty()) {
        auto app = spec::load_spec_file(r.spec_path);
        if (!app) return make_unexpected("--spec: " + (app.error().empty() ? r.spec_path : app.error().front().to_string()));
        auto checked = rights_from_claim(claims.contains("rt") ? claims["rt"] : json(), r.sub, *app);
        if (!checked) return make_unexpected(checked.error());
    }
    return claims;
}

result<std::string, std::string> sign_with_file(const json& claims, const std::string& secret_file, const std::string& private_key_file) {
    if (secret_file.empty() == private_key_file.empty())
        return make_unexpected(std::string("give exactly one key: --secret-file FILE (HS256) or --private-key FILE (RS256/ES256)"));
    if (!secret_file.empty()) {
        auto secret = read_secret_file(secret_file);
        if (!secret) return make_unexpected(secret.error());
        return jwt_sign(claims, "HS256", *secret);
    }
    auto pem = read_key_file(private_key_file, "private key");
    if (!pem) return make_unexpected(pem.error());
    auto kind = pem_private_key_kind(*pem);
    if (!kind) return make_unexpected("private key " + private_key_file + ": " + kind.error());
    return jwt_sign(claims, proto::jwt_alg_of(*kind), *pem);
}

result<json, std::string> describe_token(const std::string& token, const std::string& secret_file,
                                         const std::string& public_key_file, std::int64_t now_ms) {
    auto parts = jwt_read_unverified(token);
    if (!parts) return make_unexpected(parts.error());
    json out = {{"header", parts->header}, {"claims", parts->claims}};
    proto::jwt_rules rules;
    rules.leeway_ms = 0;  // the token as it is, not as a server with a leeway would take it
    auto claims = proto::jwt_check_claims(parts->claims, rules, now_ms);
    out["status"] = claims ? "valid for another " + proto::format_duration(std::chrono::seconds(claims->exp - now_ms / 1000))
                           : claims.error();
    bool signature_ok = true;
    if (secret_file.empty() && public_key_file.empty()) {
        out["signature"] = "not checked (no key given)";
    } else {
        jwt_settings s;
        s.secret_path = secret_file;
        s.public_key_path = public_key_file;
        auto verifier = jwt_verifier::load(s);
        if (!verifier) return make_unexpected(verifier.error());
        auto sig = verifier->check_signature(token, parts->header);
        signature_ok = sig.ok();
        out["signature"] = sig ? std::string("verified") : "invalid: " + sig.error();
    }
    out["valid"] = claims.ok() && signature_ok;
    return out;
}

}  // namespace rt::server
