// `rt token` (issue 17, item 4): mint → connect → decode, the rights flags as a claim with the
// tokens file's meaning, --decode's verdicts, and clear errors for bad flags.
#include "jwt_fixtures.hpp"

using namespace rt::test;

namespace {

// The token `rt token ARGS...` prints (REQUIREd to succeed).
std::string tokcmd_mint(const std::vector<std::string>& args) {
    std::vector<std::string> all{"token"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = run_rt(all);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(!r.out.empty());
    return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

TEST_CASE("rt token: mint, connect with it, and decode it (round trip)", "[token][jwt]") {
    const auto& keys = jwt_test_keys();
    auto srv = jwt_helpdesk_server();
    seed_tickets(srv);
    const std::string token = tokcmd_mint({"--secret-file", keys.secret_file, "--sub", "alice", "--subscribe", "TeamOpen",
                                           "--filter", "TeamOpen.team=A", "--ttl", "10m", "--spec", rights_helpdesk_spec()});
    auto c = connect_ws(srv.ws_url("token=" + token));
    CHECK(subscribe(*c, "TeamOpen", json::object(), "wide")["code"] == "FORBIDDEN");
    json sub = subscribe(*c, "TeamOpen", {{"team", "A"}});
    REQUIRE(sub["type"] == "subscribed");
    CHECK(sub["initial"].size() == 2);
    CHECK(subscribe(*c, "TicketDetail", {{"id", "T1"}, {"team", "A"}}, "detail")["code"] == "FORBIDDEN");  // not granted

    auto d = run_rt({"token", "--decode", token, "--secret-file", keys.secret_file});
    INFO(d.err);
    CHECK(d.exit_code == 0);
    json out = json::parse(d.out, nullptr, false);
    REQUIRE(out.is_object());
    CHECK(out["header"]["alg"] == "HS256");
    CHECK(out["claims"]["sub"] == "alice");
    CHECK(out["claims"]["rt"] == json({{"subscribe", {"TeamOpen"}}, {"filters", {{"TeamOpen", {{"team", {"A"}}}}}}}));
    CHECK(out["claims"]["exp"].get<std::int64_t>() - out["claims"]["iat"].get<std::int64_t>() == 600);
    CHECK(out["signature"] == "verified");
    CHECK(out["valid"] == true);
    CHECK_THAT(d.err, Catch::Contains("valid for another"));
    // Without a key the claims are shown and the signature is said to be unchecked.
    auto unchecked = run_rt({"token", "--decode", token});
    CHECK(unchecked.exit_code == 0);
    CHECK_THAT(unchecked.out, Catch::Contains("not checked (no key given)"));
}

TEST_CASE("rt token: RS256 and ES256 by the private key's type, verified with the public key", "[token][jwt]") {
    const auto& keys = jwt_test_keys();
    for (const auto& [priv, pub, alg] : {std::tuple{keys.rsa_private, keys.rsa_public, "RS256"}, std::tuple{keys.ec_private, keys.ec_public, "ES256"}}) {
        INFO(alg);
        const std::string token = tokcmd_mint({"--private-key", priv, "--sub", "sup", "--subscribe", "*", "--admin"});
        auto d = run_rt({"token", "--decode", token, "--public-key", pub});
        CHECK(d.exit_code == 0);
        json out = json::parse(d.out, nullptr, false);
        REQUIRE(out.is_object());
        CHECK(out["header"]["alg"] == alg);
        CHECK(out["claims"]["rt"]["admin"] == true);
        CHECK(out["signature"] == "verified");
        // The wrong key: the signature is invalid, exit 1.
        auto wrong = run_rt({"token", "--decode", token, "--secret-file", keys.secret_file});
        CHECK(wrong.exit_code == 1);
        CHECK_THAT(wrong.out, Catch::Contains("invalid: alg '" + std::string(alg) + "' is not accepted"));
    }
}

TEST_CASE("rt token --decode: an expired token and a bad signature exit 1 and say why", "[token][jwt]") {
    json expired = jwt_claims_for("alice", nullptr);
    expired["exp"] = jwt_now_s() - 90;
    auto d = run_rt({"token", "--decode", jwt_mint(expired)});
    CHECK(d.exit_code == 1);
    CHECK_THAT(d.out, Catch::Contains("\"status\": \"expired 9"));  // 90 s, or 91 s when a second ticked meanwhile
    CHECK_THAT(d.out, Catch::Contains("s ago (claim 'exp')\""));
    json later = jwt_claims_for("alice", nullptr);
    later["nbf"] = jwt_now_s() + 120;
    CHECK_THAT(run_rt({"token", "--decode", jwt_mint(later)}).out, Catch::Contains("not valid for another"));
    const std::string forged = jwt_mint(jwt_claims_for("alice", nullptr), "HS256", "some-other-secret-of-32-bytes-or-more!!");
    auto bad = run_rt({"token", "--decode", forged, "--secret-file", jwt_test_keys().secret_file});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.out, Catch::Contains("invalid: bad signature"));
    auto junk = run_rt({"token", "--decode", "not.a.jwt"});
    CHECK(junk.exit_code == 2);
    CHECK_THAT(junk.err, Catch::Contains("not a well-formed JWT"));
}

TEST_CASE("rt token: bad flags are usage errors that name the flag", "[token][jwt]") {
    const auto& keys = jwt_test_keys();
    struct bad_flags { std::vector<std::string> args; const char* says; };
    for (const auto& b : std::vector<bad_flags>{
             {{"--secret-file", keys.secret_file}, "--sub USER is required"},
             {{"--sub", "alice"}, "give exactly one key"},
             {{"--sub", "alice", "--secret-file", keys.secret_file, "--private-key", keys.ec_private}, "give exactly one key"},
             {{"--sub", "alice", "--secret-file", keys.secret_file, "--filter", "TeamOpen=A"}, "--filter 'TeamOpen=A': expected NAME.ATTRIBUTE=VALUE"},
             {{"--sub", "alice", "--secret-file", keys.secret_file, "--ttl", "soon"}, "--ttl:"},
             {{"--sub", "alice", "--private-key", keys.rsa_public}, "not a PEM private key"},
             {{"--sub", "alice", "--secret-file", keys.secret_file, "--subscribe", "Tickets", "--spec", rights_helpdesk_spec()},
              "no subscription named 'Tickets' in the spec"},
             {{"--decode", "x.y.z", "--sub", "alice"}, "--sub is for minting one"},
         }) {
        std::vector<std::string> args{"token"};
        args.insert(args.end(), b.args.begin(), b.args.end());
        auto r = run_rt(args);
        INFO(b.says << "\n" << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(b.says));
        CHECK(r.out.empty());
    }
}
