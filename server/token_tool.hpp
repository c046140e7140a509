#pragma once
// `rt token`'s logic (cli/token.cpp only parses flags): minting a JWT for development and tests,
// with the rights claim `rt` built from flags, and describing a token (header, claims, whether it
// is expired or not yet valid, and its signature when a key is given). The claims are checked by
// the same code as rt serve's: proto::jwt_check_claims, and rights_from_claim with --spec.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::server {

struct mint_request {
    std::string sub;
    std::vector<std::string> subscribe, publish, presence;
    // "Name.attr=value" (Name a subscription or an entity), repeatable; the values of one
    // Name.attr accumulate. A value that reads as a JSON number, true, false or a quoted string is
    // that; anything else is the text as a string (board=b1 → "b1", priority=3 → 3, id='"3"' → "3").
    std::vector<std::string> filters;
    std::vector<std::string> publish_filters;  // "Entity.attr=value", the same way
    bool admin = false;
    std::string audience, issuer;
    std::chrono::milliseconds ttl{std::chrono::hours(1)};  // a working day's tests, not a credential to keep
    std::string spec_path;  // non-empty: the rights are checked against this spec, as rt serve would
};

// The claims of a token minted at `now_s`: sub, iat, nbf (= iat), exp (iat + ttl), aud, iss when
// given, and `rt` when any right is given. The error names the flag at fault.
result<nlohmann::json, std::string> mint_claims(const mint_request& r, std::int64_t now_s);

// Signs `claims` with the HS256 secret in `secret_file`, or with the PEM private key in
// `private_key_file` (RS256 for RSA, ES256 for EC P-256). Exactly one of them is non-empty.
result<std::string, std::string> sign_with_file(const nlohmann::json& claims, const std::string& secret_file,
                                                const std::string& private_key_file);

// What `rt token --decode` prints: {"header", "claims", "valid", "status", "signature"}, where
// `status` is "valid for another 59m59s", "expired 3s ago", "not valid for another 10s" or what
// else is wrong with the claims (no leeway), and `signature` is "verified", "not checked (no key
// given)" or "invalid: WHY". `valid`: the claims hold now and the signature, if checked, is good.
// Error: not a JWT, or a key file that cannot be read.
result<nlohmann::json, std::string> describe_token(const std::string& token, const std::string& secret_file,
                                                   const std::string& public_key_file, std::int64_t now_ms);

}  // namespace rt::server
