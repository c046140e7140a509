#include "server/jwt_codec.hpp"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace rt::server {

namespace {

using json = nlohmann::json;

struct jwt_deleter {
    void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;
struct pkey_deleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
struct bio_deleter {
    void operator()(BIO* b) const { BIO_free(b); }
};

// libjwt returns malloc'd strings: taken into a std::string and freed.
std::string take_string(char* s) {
    std::string out = s ? s : "";
    std::free(s);
    return out;
}

jwt_alg_t alg_of(std::string_view name) {
    if (name == "HS256") return JWT_ALG_HS256;
    if (name == "RS256") return JWT_ALG_RS256;
    if (name == "ES256") return JWT_ALG_ES256;
    if (name == "none") return JWT_ALG_NONE;
    return JWT_ALG_INVAL;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

result<proto::jwt_key_kind, std::string> kind_of(EVP_PKEY* key, const char* what) {
    if (!key) return make_unexpected(std::string("not a PEM ") + what + " (expected -----BEGIN " +
                                     (std::string(what) == "public key" ? "PUBLIC KEY" : "PRIVATE KEY") + "-----)");
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) return proto::jwt_key_kind::rsa_public;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        char group[64] = {0};
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 && std::string_view(group, len) == "prime256v1")
            return proto::jwt_key_kind::ec_p256_public;
        return make_unexpected(std::string("an EC ") + what + " on curve '" + std::string(group, len) +
                               "': only P-256 (ES256) is supported");
    }
    return make_unexpected(std::string("a ") + what + " of a type other than RSA or EC P-256");
}

template <class Read>
result<proto::jwt_key_kind, std::string> pem_kind(const std::string& pem, const char* what, Read read) {
    std::unique_ptr<BIO, bio_deleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return make_unexpected(std::string("out of memory reading a key"));
    pkey_ptr key(read(bio.get()));
    return kind_of(key.get(), what);
}

}  // namespace

result<jwt_parts, std::string> jwt_read_unverified(const std::string& token) {
    jwt_t* raw = nullptr;
    if (jwt_decode(&raw, token.c_str(), nullptr, 0) != 0 || !raw)
        return make_unexpected(std::string("not a well-formed JWT (expected HEADER.CLAIMS.SIGNATURE in base64url JSON)"));
    jwt_ptr j(raw);
    jwt_parts out;
    out.header = json::parse(take_string(jwt_get_headers_json(j.get(), nullptr)), nullptr, false);
    out.claims = json::parse(take_string(jwt_get_grants_json(j.get(), nullptr)), nullptr, false);
    if (!out.header.is_object() || !out.claims.is_object())
        return make_unexpected(std::string("not a well-formed JWT (its header or claims are not a JSON object)"));
    return out;
}

result<void, std::string> jwt_check_signature(const std::string& token, proto::jwt_key_kind kind, const std::string& key) {
    if (key.empty()) return make_unexpected(std::string("no key to check the signature with"));
    jwt_t* raw = nullptr;
    int rc = jwt_decode(&raw, token.c_str(), bytes(key), static_cast<int>(key.size()));
    jwt_ptr j(raw);
    if (rc != 0 || !j) return make_unexpected("bad signature (not signed with this server's " + std::string(proto::jwt_alg_of(kind)) + " key)");
    // libjwt verified with the algorithm the header names; the caller chose the key for that
    // algorithm, and this holds it to that.
    if (std::string_view(jwt_alg_str(jwt_get_alg(j.get()))) != proto::jwt_alg_of(kind))
        return make_unexpected(std::string("the JWT's algorithm does not match the key"));
    return {};
}

result<std::string, std::string> jwt_sign(const json& claims, std::string_view alg, const std::string& key) {
    jwt_alg_t a = alg_of(alg);
    if (a == JWT_ALG_INVAL) return make_unexpected("unsupported algorithm '" + std::string(alg) + "' (HS256, RS256, ES256)");
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0 || !raw) return make_unexpected(std::string("out of memory"));
    jwt_ptr j(raw);
    if (jwt_add_grants_json(j.get(), claims.dump().c_str()) != 0) return make_unexpected(std::string("the claims are not a JSON object"));
    int rc = a == JWT_ALG_NONE ? jwt_set_alg(j.get(), a, nullptr, 0)
                               : jwt_set_alg(j.get(), a, bytes(key), static_cast<int>(key.size()));
    if (rc != 0) return make_unexpected("cannot use this key for " + std::string(alg));
    std::string out = take_string(jwt_encode_str(j.get()));
    if (out.empty()) return make_unexpected("signing with " + std::string(alg) + " failed (is the key a PEM private key of that type?)");
    return out;
}

result<proto::jwt_key_kind, std::string> pem_public_key_kind(const std::string& pem) {
    return pem_kind(pem, "public key", [](BIO* b) { return PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr); });
}

result<proto::jwt_key_kind, std::string> pem_private_key_kind(const std::string& pem) {
    return pem_kind(pem, "private key", [](BIO* b) { return PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr); });
}

result<std::string, std::string> read_key_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_unexpected(std::string(what) + " " + path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().empty()) return make_unexpected(std::string(what) + " " + path + ": the file is empty");
    return ss.str();
}

}  // namespace rt::server
