#pragma once
// Who a JWT says a client is: `rt serve --jwt-secret-file` (HS256) and/or `--jwt-public-key`
// (RS256 or ES256, by the key's type). verify() picks the key by the header's alg
// (proto::jwt_pick_key: never none, never an algorithm other than a configured key's), checks
// the signature with it (jwt_codec, libjwt), then the claims (proto::jwt_check_claims). The
// rights in the `rt` claim are read by rights_from_claim (tokens.hpp), the tokens file's checker.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/jwt_policy.hpp"
#include "protocol/result.hpp"

namespace rt::server {

struct jwt_settings {
    std::string secret_path;      // --jwt-secret-file: the HS256 secret (one trailing newline ignored)
    std::string public_key_path;  // --jwt-public-key: a PEM public key, RSA (RS256) or EC P-256 (ES256)
    proto::jwt_rules rules;       // --jwt-leeway, --jwt-audience, --jwt-issuer
    bool enabled() const { return !secret_path.empty() || !public_key_path.empty(); }
};

// A token that passed: its subject and expiry, and every claim (for the `rt` claim).
struct verified_jwt {
    proto::jwt_subject subject;
    nlohmann::json claims;
};

// A secret file's bytes without one trailing newline ("\n" or "\r\n"), at least 32 bytes
// (RFC 7518 3.2: an HS256 key is at least the hash's size). Shared by rt serve and rt token.
result<std::string, std::string> read_secret_file(const std::string& path);

class jwt_verifier {
public:
    jwt_verifier() = default;  // disabled: verify() refuses everything
    // Reads the key files; the error names the file and what is wrong with it.
    static result<jwt_verifier, std::string> load(const jwt_settings& s);

    bool enabled() const { return !keys_.empty(); }
    const proto::jwt_rules& rules() const { return rules_; }
    // Ok when the signature of `token` (whose decoded header is `header`) is valid for one of the
    // configured keys, chosen by the header's alg (proto::jwt_pick_key) — the first step of verify().
    result<void, std::string> check_signature(const std::string& token, const nlohmann::json& header) const;
    // The token's subject and claims, or why it is refused (never quoting the token). Any thread.
    result<verified_jwt, std::string> verify(const std::string& token, std::int64_t now_ms) const;

private:
    std::vector<proto::jwt_key_kind> keys_;  // the configured keys' kinds
    std::string secret_, public_pem_;
    proto::jwt_key_kind public_kind_ = proto::jwt_key_kind::rsa_public;
    proto::jwt_rules rules_;
};


}  // namespace rt::server
