#pragma once
// TLS contexts for rt's WebSocket clients and server (OpenSSL through asio::ssl); the client's
// settings are openssl_setup.hpp's, shared with the HTTP client. Like socket_policy.hpp, included
// only by transport files that already include Asio.
// A context is made once and shared by every connection that uses it: loading the system trust
// store for each of 10,000 connections would cost seconds.
#include <memory>
#include <string>

#include <asio/ssl.hpp>

#include "protocol/result.hpp"
#include "tls/openssl_setup.hpp"
#include "tls/socket_policy.hpp"

namespace rt::tls {

namespace detail {

// The reason an asio::ssl call threw, as OpenSSL gave it.
inline std::string openssl_error(const asio::system_error& e) {
    std::string text = e.code().message();
    return text.empty() ? e.what() : text;
}

}  // namespace detail

// A client context: the peer's certificate is verified against `ca_file` (PEM; it replaces the
// system trust store), or the system trust store when `ca_file` is empty; `skip_verify` checks
// nothing (the host name check is then skipped too). The error names the file and OpenSSL's reason.
inline result<context_ptr, std::string> make_client_context(const std::string& ca_file, bool skip_verify) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (auto set = setup_client(ctx->native_handle(), ca_file, skip_verify); !set) return make_unexpected(set.error());
    return ctx;
}

// A server context from a PEM certificate chain and its private key; TLS 1.2 minimum. The error
// names the file that failed and why (unreadable, not PEM, key does not match the certificate).
inline result<context_ptr, std::string> make_server_context(const std::string& cert_file, const std::string& key_file) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    common_setup(ctx->native_handle());
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::single_dh_use);
    try {
        ctx->use_certificate_chain_file(cert_file);
    } catch (const asio::system_error& e) {
        return make_unexpected("--tls-cert " + cert_file + ": " + detail::openssl_error(e));
    }
    try {
        ctx->use_private_key_file(key_file, asio::ssl::context::pem);
    } catch (const asio::system_error& e) {
        return make_unexpected("--tls-key " + key_file + ": " + detail::openssl_error(e));
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return make_unexpected("--tls-key " + key_file + ": does not match the certificate in " + cert_file);
    return ctx;
}

}  // namespace rt::tls
