#pragma once
// What a JWT must be for `rt serve` to accept it, decided without crypto or a clock of its own
// (docs/protocol.md "Authentication", docs/operations.md "JWT"). The signature is checked by the
// server's jwt_verifier (libjwt) with the key this policy picks; everything a signature does not
// prove — which algorithm, exp, nbf, iat, aud, iss, sub — is checked here, with the time passed in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"

namespace rt::proto {

// The kinds of key a server can be given; each verifies exactly one algorithm.
enum class jwt_key_kind { hmac_secret, rsa_public, ec_p256_public };
std::string_view jwt_alg_of(jwt_key_kind k);  // "HS256" | "RS256" | "ES256"

// The configured key for a token whose header is `header`: its `alg` must be one of the
// configured keys' algorithms — never "none", never HS256 unless a secret is configured (so a
// public key can never be used as an HMAC secret), and a header with `crit` is refused (no
// extension is understood). The error says what was refused and what is accepted.
result<jwt_key_kind, std::string> jwt_pick_key(const nlohmann::json& header, const std::vector<jwt_key_kind>& configured);

struct jwt_rules {
    // Clock skew allowed on exp, nbf and iat (rt serve --jwt-leeway): a few seconds between the
    // token issuer's clock and ours, not a grace period.
    std::int64_t leeway_ms = 5000;
    std::string audience;       // "": aud not checked; else aud (a string or an array) must hold it
    std::string issuer;         // "": iss not checked; else iss must equal it
};

// What the server keeps of a token that passed.
struct jwt_subject {
    std::string sub;     // the user
    std::int64_t exp = 0;  // seconds since the epoch; the connection is closed at exp + leeway
};

// Checks the claims of a token whose signature is valid, at `now_ms` (ms since the epoch):
// `sub` a non-empty string; `exp` required, a number, not passed (now < exp + leeway); `nbf`
// and `iat` optional numbers, not in the future (beyond leeway); `aud` and `iss` as the rules
// say. The error names the claim ("expired 12s ago", "missing 'sub'").
result<jwt_subject, std::string> jwt_check_claims(const nlohmann::json& claims, const jwt_rules& rules, std::int64_t now_ms);

}  // namespace rt::proto
