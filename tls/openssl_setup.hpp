#pragma once
// OpenSSL settings every rt TLS client shares, on raw OpenSSL handles: the WebSocket transport
// (through asio::ssl's native handles, tls/context.hpp and tls/socket_policy.hpp) and the blocking
// HTTP client (client/http_client.cpp, plain POSIX sockets) alike, so both verify the same way.
// No Asio here: OpenSSL's C headers only.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

#include "protocol/result.hpp"

namespace rt::tls {

// OpenSSL's oldest queued error as text ("" when none), clearing the queue.
inline std::string openssl_error_text() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return {};
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// What every rt context sets: TLS 1.2 minimum (1.0 and 1.1 are deprecated, RFC 8996; every
// supported peer speaks 1.2), and OpenSSL's record buffers freed while a connection is idle
// (SSL_MODE_RELEASE_BUFFERS, as nginx does): 10,000 idle subscribers should not hold ~34 KiB of
// empty buffers each.
inline void common_setup(SSL_CTX* ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

// A client context's trust: the CAs in `ca_file` (PEM; instead of the system's), or the system
// trust store when `ca_file` is empty; with `skip_verify`, nothing is verified. TLS 1.2 minimum.
// The error names the file and OpenSSL's reason.
inline result<void, std::string> setup_client(SSL_CTX* ctx, const std::string& ca_file, bool skip_verify) {
    common_setup(ctx);
    if (skip_verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return {};
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                       : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    if (loaded != 1) {
        const std::string why = openssl_error_text();
        return make_unexpected(ca_file.empty() ? "cannot load the system's CA certificates: " + why
                                               : "--ca " + ca_file + ": cannot load: " + why);
    }
    return {};
}

// Makes `ssl` verify that the peer's certificate is for `host` (a DNS name, or an IP literal
// matched against the certificate's IP addresses) and send `host` as SNI when it is a name (RFC
// 6066 3: no IP literals in SNI). False when OpenSSL refuses the name.
inline bool set_peer_name(SSL* ssl, const std::string& host) {
    unsigned char addr[16];
    const bool is_ip = inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    return X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) == 1 && SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

// Why a client refused the server's certificate, from OpenSSL's verify result (X509_V_*), in the
// words the client commands print: "certificate verify failed: <reason>" and a hint.
inline std::string describe_verify_failure(long verify_result) {
    std::string text = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify_result);
    if (verify_result == X509_V_ERR_HOSTNAME_MISMATCH || verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return text + " (the certificate is not for the host in the URL)";
    return text + " (use --ca FILE for a private CA, or --insecure-skip-verify for a test server)";
}

}  // namespace rt::tls
