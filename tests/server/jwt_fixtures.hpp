#pragma once
// JWT test fixtures: an HS256 secret, an RSA and an EC P-256 key pair generated at test time with
// the openssl command (nothing checked in), and tokens minted with the server's own codec
// (server/jwt_codec.hpp), including the ones a server must refuse (alg none, HS256 signed with
// the public key as its secret).
#include <chrono>
#include <fstream>
#include <string>

#include "helpdesk.hpp"
#include "os/child_process.hpp"
#include "server/jwt_codec.hpp"

namespace rt::test {

struct jwt_keys {
    std::string secret_file, secret;        // HS256
    std::string rsa_private, rsa_public;    // PEM files (RS256)
    std::string ec_private, ec_public;      // PEM files (ES256)
};

inline std::string jwt_read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `openssl ARGS...` to completion (REQUIREd to succeed).
inline void jwt_openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "openssl"};  // the child launcher wants a path
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = os::child_process::spawn(argv, {});
    REQUIRE(child.ok());
    auto code = (*child)->wait_exit(std::chrono::seconds(30));
    INFO("openssl " << args.front() << ": " << (*child)->err());
    REQUIRE(code == std::optional<int>(0));
}

// Generated once per test process.
inline const jwt_keys& jwt_test_keys() {
    static const jwt_keys keys = [] {
        jwt_keys k;
        k.secret = "0123456789abcdef0123456789abcdef-test-secret";
        k.secret_file = write_rights_file("jwt.secret", k.secret + "\n");
        k.rsa_private = temp_path("rsa.pem");
        k.rsa_public = temp_path("rsa.pub.pem");
        k.ec_private = temp_path("ec.pem");
        k.ec_public = temp_path("ec.pub.pem");
        jwt_openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k.rsa_private});
        jwt_openssl({"pkey", "-in", k.rsa_private, "-pubout", "-out", k.rsa_public});
        jwt_openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", k.ec_private});
        jwt_openssl({"pkey", "-in", k.ec_private, "-pubout", "-out", k.ec_public});
        return k;
    }();
    return keys;
}

inline std::int64_t jwt_now_s() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// Claims for `sub` valid for `ttl_s` from now, with the rights claim `rights` (null: none).
inline json jwt_claims_for(const std::string& sub, const json& rights, std::int64_t ttl_s = 3600) {
    json c = {{"sub", sub}, {"iat", jwt_now_s()}, {"exp", jwt_now_s() + ttl_s}};
    if (!rights.is_null()) c["rt"] = rights;
    return c;
}

inline std::string jwt_mint(const json& claims, const std::string& alg = "HS256", std::string key = {}) {
    if (key.empty() && alg == "HS256") key = jwt_test_keys().secret;
    auto t = server::jwt_sign(claims, alg, key);
    INFO("jwt_sign " << alg << ": " << (t ? std::string("ok") : t.error()));
    REQUIRE(t.ok());
    return *t;
}

// Alice of team A in the helpdesk app, as a rights claim: the tokens file's tok-alice.
inline json jwt_alice_rights() {
    return {{"subscribe", {"TeamOpen", "TicketDetail"}},
            {"publish", {"Ticket"}},
            {"filters", {{"TeamOpen", {{"team", {"A"}}}}}},
            {"publish_filters", {{"Ticket", {{"team", {"A"}}}}}}};
}

// A helpdesk server accepting HS256 JWTs (and the helpdesk tokens file's tokens), plus `extra`.
inline rt_server jwt_helpdesk_server(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--jwt-secret-file", jwt_test_keys().secret_file};
    for (auto& e : extra) args.push_back(e);
    return helpdesk_server(args);
}

// Connects with `token`, expects AUTH_REQUIRED then close 4001, and returns the error's message.
inline std::string jwt_refused(rt_server& srv, const std::string& token) {
    auto c = connect_ws(srv.ws_url("token=" + token));
    json e = next_of_type(*c, "error");
    CHECK(e["code"] == "AUTH_REQUIRED");
    REQUIRE(c->wait_closed(k_wait));
    CHECK(c->close_code() == 4001);
    return e.value("message", "");
}

}  // namespace rt::test
