#include "server/jwt_verifier.hpp"

#include "server/jwt_codec.hpp"

namespace rt::server {

result<std::string, std::string> read_secret_file(const std::string& path) {
    // RFC 7518 3.2: an HMAC key at least as long as the hash output (32 bytes for SHA-256).
    constexpr std::size_t min_secret_bytes = 32;
    auto text = read_key_file(path, "JWT secret file");
    if (!text) return make_unexpected(text.error());
    std::string s = std::move(*text);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (!s.empty() && s.back() == '\r') s.pop_back();
    if (s.size() < min_secret_bytes)
        return make_unexpected("JWT secret file " + path + ": the secret is " + std::to_string(s.size()) +
                               " bytes; HS256 needs at least " + std::to_string(min_secret_bytes) +
                               " (e.g. openssl rand -hex 32 > " + path + ")");
    return s;
}

result<jwt_verifier, std::string> jwt_verifier::load(const jwt_settings& s) {
    jwt_verifier v;
    v.rules_ = s.rules;
    if (!s.secret_path.empty()) {
        auto secret = read_secret_file(s.secret_path);
        if (!secret) return make_unexpected(secret.error());
        v.secret_ = std::move(*secret);
        v.keys_.push_back(proto::jwt_key_kind::hmac_secret);
    }
    if (!s.public_key_path.empty()) {
        auto pem = read_key_file(s.public_key_path, "JWT public key");
        if (!pem) return make_unexpected(pem.error());
        auto kind = pem_public_key_kind(*pem);
        if (!kind) return make_unexpected("JWT public key " + s.public_key_path + ": " + kind.error());
        v.public_pem_ = std::move(*pem);
        v.public_kind_ = *kind;
        v.keys_.push_back(*kind);
    }
    return v;
}

result<void, std::string> jwt_verifier::check_signature(const std::string& token, const nlohmann::json& header) const {
    // The algorithm is decided before anything in the token is trusted.
    auto kind = proto::jwt_pick_key(header, keys_);
    if (!kind) return make_unexpected(kind.error());
    return jwt_check_signature(token, *kind, *kind == proto::jwt_key_kind::hmac_secret ? secret_ : public_pem_);
}

result<verified_jwt, std::string> jwt_verifier::verify(const std::string& token, std::int64_t now_ms) const {
    if (keys_.empty()) return make_unexpected(std::string("this server accepts no JWT"));
    auto parts = jwt_read_unverified(token);
    if (!parts) return make_unexpected(parts.error());
    if (auto sig = check_signature(token, parts->header); !sig) return make_unexpected(sig.error());
    auto subject = proto::jwt_check_claims(parts->claims, rules_, now_ms);
    if (!subject) return make_unexpected(subject.error());
    return verified_jwt{std::move(*subject), std::move(parts->claims)};
}

}  // namespace rt::server
