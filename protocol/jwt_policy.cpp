#include "protocol/jwt_policy.hpp"

#include <cmath>

namespace rt::proto {

namespace {

using json = nlohmann::json;

// A NumericDate claim (RFC 7519 2: seconds, possibly fractional), floored; nullopt when absent;
// an error when it is not a number.
result<std::optional<std::int64_t>, std::string> numeric_date(const json& claims, const char* name) {
    // Past year 30,000,000 a date is an attack on the arithmetic, not a date.
    constexpr double max_abs_s = 1e15;
    auto it = claims.find(name);
    if (it == claims.end()) return std::optional<std::int64_t>();
    if (!it->is_number() || !std::isfinite(it->get<double>()) || std::abs(it->get<double>()) > max_abs_s)
        return make_unexpected(std::string("claim '") + name + "' must be a number of seconds since the epoch");
    if (it->is_number_unsigned()) return std::optional<std::int64_t>(static_cast<std::int64_t>(it->get<std::uint64_t>()));
    if (it->is_number_integer()) return std::optional<std::int64_t>(it->get<std::int64_t>());
    return std::optional<std::int64_t>(static_cast<std::int64_t>(std::floor(it->get<double>())));
}

std::string seconds_text(std::int64_t s) { return std::to_string(s) + "s"; }

}  // namespace

std::string_view jwt_alg_of(jwt_key_kind k) {
    switch (k) {
        case jwt_key_kind::hmac_secret: return "HS256";
        case jwt_key_kind::rsa_public: return "RS256";
        case jwt_key_kind::ec_p256_public: return "ES256";
    }
    return "HS256";
}

result<jwt_key_kind, std::string> jwt_pick_key(const json& header, const std::vector<jwt_key_kind>& configured) {
    std::string accepted;
    for (auto k : configured) accepted += (accepted.empty() ? "" : ", ") + std::string(jwt_alg_of(k));
    auto alg = header.is_object() ? header.find("alg") : header.end();
    if (!header.is_object() || alg == header.end() || !alg->is_string())
        return make_unexpected("the JWT header has no 'alg' (accepted: " + accepted + ")");
    if (header.contains("crit")) return make_unexpected(std::string("the JWT header has 'crit': no extension is supported"));
    const std::string& name = alg->get_ref<const std::string&>();
    for (auto k : configured)
        if (name == jwt_alg_of(k)) return k;
    if (name == "none" || name == "None" || name == "NONE")
        return make_unexpected("alg 'none' (an unsigned JWT) is never accepted (accepted: " + accepted + ")");
    return make_unexpected("alg '" + name.substr(0, 16) + "' is not accepted by this server (accepted: " + accepted + ")");
}

result<jwt_subject, std::string> jwt_check_claims(const json& claims, const jwt_rules& rules, std::int64_t now_ms) {
    const std::int64_t now_s = now_ms / 1000;
    if (!claims.is_object()) return make_unexpected(std::string("the JWT claims are not a JSON object"));
    jwt_subject out;
    auto sub = claims.find("sub");
    if (sub == claims.end()) return make_unexpected(std::string("missing 'sub' (the user)"));
    if (!sub->is_string() || sub->get_ref<const std::string&>().empty())
        return make_unexpected(std::string("claim 'sub' must be a non-empty string"));
    out.sub = sub->get<std::string>();

    auto exp = numeric_date(claims, "exp");
    if (!exp) return make_unexpected(exp.error());
    if (!*exp) return make_unexpected(std::string("missing 'exp': a JWT without an expiry is not accepted"));
    if (now_ms >= **exp * 1000 + rules.leeway_ms) return make_unexpected("expired " + seconds_text(now_s - **exp) + " ago (claim 'exp')");
    out.exp = **exp;

    auto nbf = numeric_date(claims, "nbf");
    if (!nbf) return make_unexpected(nbf.error());
    if (*nbf && now_ms + rules.leeway_ms < **nbf * 1000)
        return make_unexpected("not valid for another " + seconds_text(**nbf - now_s) + " (claim 'nbf')");
    auto iat = numeric_date(claims, "iat");
    if (!iat) return make_unexpected(iat.error());
    if (*iat && now_ms + rules.leeway_ms < **iat * 1000)
        return make_unexpected("issued " + seconds_text(**iat - now_s) + " in the future (claim 'iat')");

    if (!rules.audience.empty()) {
        auto aud = claims.find("aud");
        bool ok = false;
        if (aud != claims.end() && aud->is_string()) ok = *aud == rules.audience;
        if (aud != claims.end() && aud->is_array())
            for (const auto& a : *aud) ok = ok || (a.is_string() && a == rules.audience);
        if (!ok) return make_unexpected("claim 'aud' does not name this server's audience '" + rules.audience + "'");
    }
    if (!rules.issuer.empty()) {
        auto iss = claims.find("iss");
        if (iss == claims.end() || !iss->is_string() || *iss != rules.issuer)
            return make_unexpected("claim 'iss' is not this server's issuer '" + rules.issuer + "'");
    }
    return out;
}

}  // namespace rt::proto
