// protocol/jwt_policy: which algorithm a JWT may use (never none, never one the server has no
// key for) and the claim checks libjwt does not do (exp, nbf, iat with leeway, aud, iss, sub),
// as tables with the time passed in; and the `refresh`/`refreshed` messages of the codec.
#include <catch2/catch.hpp>

#include "protocol/jwt_policy.hpp"
#include "protocol/messages.hpp"

using namespace rt::proto;
using json = nlohmann::json;

namespace {

constexpr std::int64_t jwtp_now_s = 1'800'000'000;
constexpr std::int64_t jwtp_now_ms = jwtp_now_s * 1000 + 500;

json jwtp_claims(json extra = json::object()) {
    json c = {{"sub", "alice"}, {"exp", jwtp_now_s + 60}};
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it->is_null()) c.erase(it.key());
        else c[it.key()] = *it;
    }
    return c;
}

}  // namespace

TEST_CASE("jwt policy: the header's alg picks the configured key, and nothing else is accepted", "[jwt]") {
    using k = jwt_key_kind;
    struct row { json header; std::vector<k> configured; std::optional<k> picked; const char* says; };
    const std::vector<row> rows{
        {{{"alg", "HS256"}, {"typ", "JWT"}}, {k::hmac_secret}, k::hmac_secret, ""},
        {{{"alg", "RS256"}}, {k::rsa_public}, k::rsa_public, ""},
        {{{"alg", "ES256"}}, {k::hmac_secret, k::ec_p256_public}, k::ec_p256_public, ""},
        {{{"alg", "none"}}, {k::hmac_secret}, std::nullopt, "alg 'none' (an unsigned JWT) is never accepted (accepted: HS256)"},
        {{{"alg", "NONE"}}, {k::rsa_public}, std::nullopt, "never accepted"},
        // The public key must never become an HMAC secret: HS256 needs a configured secret.
        {{{"alg", "HS256"}}, {k::rsa_public}, std::nullopt, "alg 'HS256' is not accepted by this server (accepted: RS256)"},
        {{{"alg", "RS256"}}, {k::ec_p256_public}, std::nullopt, "(accepted: ES256)"},
        {{{"alg", "HS512"}}, {k::hmac_secret}, std::nullopt, "alg 'HS512' is not accepted"},
        {{{"typ", "JWT"}}, {k::hmac_secret}, std::nullopt, "no 'alg'"},
        {{{"alg", 256}}, {k::hmac_secret}, std::nullopt, "no 'alg'"},
        {{{"alg", "HS256"}, {"crit", json::array({"exp"})}}, {k::hmac_secret}, std::nullopt, "'crit'"},
        {json::array(), {k::hmac_secret}, std::nullopt, "no 'alg'"},
    };
    for (const auto& r : rows) {
        INFO(r.header.dump());
        auto got = jwt_pick_key(r.header, r.configured);
        REQUIRE(got.ok() == r.picked.has_value());
        if (r.picked) CHECK(*got == *r.picked);
        else CHECK_THAT(got.error(), Catch::Contains(r.says));
    }
}

TEST_CASE("jwt policy: exp, nbf and iat with the leeway, and sub required", "[jwt]") {
    struct row { const char* name; json claims; std::int64_t leeway_ms; const char* says; };  // says "": accepted
    const std::vector<row> rows{
        {"valid", jwtp_claims(), 5000, ""},
        {"expired a second ago, no leeway", jwtp_claims({{"exp", jwtp_now_s - 1}}), 0, "expired 1s ago (claim 'exp')"},
        {"expired now exactly", jwtp_claims({{"exp", jwtp_now_s}}), 0, "expired 0s ago"},
        {"expired 3s ago, inside a 5s leeway", jwtp_claims({{"exp", jwtp_now_s - 3}}), 5000, ""},
        {"expired 6s ago, past a 5s leeway", jwtp_claims({{"exp", jwtp_now_s - 6}}), 5000, "expired 6s ago"},
        {"no exp", jwtp_claims({{"exp", nullptr}}), 5000, "missing 'exp'"},
        {"exp not a number", jwtp_claims({{"exp", "soon"}}), 5000, "claim 'exp' must be a number"},
        {"exp absurdly large", jwtp_claims({{"exp", 1e300}}), 5000, "claim 'exp' must be a number"},
        {"fractional exp", jwtp_claims({{"exp", jwtp_now_s + 10.75}}), 0, ""},
        {"nbf in 10s", jwtp_claims({{"nbf", jwtp_now_s + 10}}), 5000, "not valid for another 10s (claim 'nbf')"},
        {"nbf in 3s, inside the leeway", jwtp_claims({{"nbf", jwtp_now_s + 3}}), 5000, ""},
        {"nbf passed", jwtp_claims({{"nbf", jwtp_now_s - 100}}), 0, ""},
        {"iat in the future", jwtp_claims({{"iat", jwtp_now_s + 60}}), 5000, "issued 60s in the future (claim 'iat')"},
        {"no sub", jwtp_claims({{"sub", nullptr}}), 5000, "missing 'sub'"},
        {"empty sub", jwtp_claims({{"sub", ""}}), 5000, "claim 'sub' must be a non-empty string"},
        {"numeric sub", jwtp_claims({{"sub", 7}}), 5000, "claim 'sub' must be a non-empty string"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        jwt_rules rules;
        rules.leeway_ms = r.leeway_ms;
        auto got = jwt_check_claims(r.claims, rules, jwtp_now_ms);
        CHECK(got.ok() == (std::string(r.says).empty()));
        if (got) CHECK(got->sub == r.claims["sub"]);
        else CHECK_THAT(got.error(), Catch::Contains(r.says));
    }
    CHECK_FALSE(jwt_check_claims(json::array(), jwt_rules{}, jwtp_now_ms));
}

TEST_CASE("jwt policy: aud and iss are checked only when the server names them", "[jwt]") {
    jwt_rules rules;
    CHECK(jwt_check_claims(jwtp_claims({{"aud", "other"}, {"iss", "someone"}}), rules, jwtp_now_ms));
    rules.audience = "rt";
    rules.issuer = "https://login.example";
    const json good = {{"aud", "rt"}, {"iss", "https://login.example"}};
    CHECK(jwt_check_claims(jwtp_claims(good), rules, jwtp_now_ms));
    CHECK(jwt_check_claims(jwtp_claims({{"aud", json::array({"x", "rt"})}, {"iss", "https://login.example"}}), rules, jwtp_now_ms));
    auto no_aud = jwt_check_claims(jwtp_claims({{"iss", "https://login.example"}}), rules, jwtp_now_ms);
    REQUIRE_FALSE(no_aud);
    CHECK_THAT(no_aud.error(), Catch::Contains("claim 'aud' does not name this server's audience 'rt'"));
    auto wrong_aud = jwt_check_claims(jwtp_claims({{"aud", json::array({"x"})}, {"iss", "https://login.example"}}), rules, jwtp_now_ms);
    CHECK_FALSE(wrong_aud);
    auto wrong_iss = jwt_check_claims(jwtp_claims({{"aud", "rt"}, {"iss", "https://evil.example"}}), rules, jwtp_now_ms);
    REQUIRE_FALSE(wrong_iss);
    CHECK_THAT(wrong_iss.error(), Catch::Contains("claim 'iss' is not this server's issuer"));
}

TEST_CASE("codec: refresh and refreshed round-trip, and a malformed refresh is BAD_REQUEST naming the field", "[jwt][codec]") {
    auto r = decode_client(R"({"id":"r1","type":"refresh","token":"a.b.c"})");
    REQUIRE(r);
    CHECK(r->id == "r1");
    CHECK(std::get<refresh_msg>(r->body).token == "a.b.c");
    CHECK(encode_client(*r) == R"({"id":"r1","type":"refresh","token":"a.b.c"})");

    struct bad { const char* text; const char* field; };
    for (const auto& b : std::vector<bad>{{R"({"type":"refresh"})", "token"},
                                          {R"({"type":"refresh","token":""})", "token"},
                                          {R"({"type":"refresh","token":7})", "token"},
                                          {R"({"type":"refresh","token":"x","exp":1})", "exp"}}) {
        INFO(b.text);
        auto d = decode_client(b.text);
        REQUIRE_FALSE(d);
        CHECK(d.error().error.code == error_code::bad_request);
        CHECK(d.error().error.field == std::optional<std::string>(b.field));
    }
    decode_limits small;
    small.max_token_bytes = 8;
    CHECK_FALSE(decode_client(R"({"type":"refresh","token":"123456789"})", small));

    const std::string text = encode_refreshed(json("r1"), 1800000000);
    CHECK(text == R"({"id":"r1","type":"refreshed","exp":1800000000})");
    auto back = decode_server(text);
    REQUIRE(back);
    CHECK(std::get<refreshed_msg>(back->body).exp == std::optional<std::int64_t>(1800000000));
    CHECK(encode_server(*back) == text);
    CHECK_FALSE(is_unknown_server_type(text));
    CHECK_FALSE(decode_server(R"({"type":"refreshed","exp":"later"})"));
}
