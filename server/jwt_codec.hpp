#pragma once
// JWTs through libjwt (signatures) and OpenSSL (reading PEM keys): the only files that include
// either. No policy here — which algorithm and which claims are acceptable is
// protocol/jwt_policy.hpp's; this reads, checks signatures and signs. Used by the server's
// jwt_verifier and by `rt token` (server/token_tool.*).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/jwt_policy.hpp"
#include "protocol/result.hpp"

namespace rt::server {

struct jwt_parts {
    nlohmann::json header;  // a JSON object
    nlohmann::json claims;  // a JSON object
};

// The header and claims of `token`, its signature NOT checked (a token is then only text anyone
// could have written). Error: the token is not a well-formed JWT.
result<jwt_parts, std::string> jwt_read_unverified(const std::string& token);

// Ok when `token`'s signature is valid for the algorithm of `kind` with `key` (the secret's
// bytes, or a PEM public key). The caller has checked that the header's alg is that algorithm
// (proto::jwt_pick_key), so a key is only ever used for its own algorithm.
result<void, std::string> jwt_check_signature(const std::string& token, proto::jwt_key_kind kind, const std::string& key);

// A signed token for `claims` with `alg` HS256 (key: the secret), RS256 or ES256 (key: a PEM
// private key), or "none" (no key; for tests that must show it refused).
result<std::string, std::string> jwt_sign(const nlohmann::json& claims, std::string_view alg, const std::string& key);

// The kind of a PEM public key: RSA → rsa_public, EC on P-256 → ec_p256_public; anything else
// is an error naming what was found. The private-key form answers the same for a signing key.
result<proto::jwt_key_kind, std::string> pem_public_key_kind(const std::string& pem);
result<proto::jwt_key_kind, std::string> pem_private_key_kind(const std::string& pem);

// The whole file, or an error naming it ("what" says which flag it is for).
result<std::string, std::string> read_key_file(const std::string& path, const char* what);

}  // namespace rt::server
