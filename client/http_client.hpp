#pragma once
// A blocking HTTP/1.1 client for the tools' few plain requests: a chaos scenario's REST publisher
// (`publish_url = "http://..."`), `GET /api/_spec` and `GET /metrics` of rt loadgen. One request
// per connection ("Connection: close"), plain POSIX sockets (https:// through OpenSSL on the same
// socket, verified like wss://: tls/openssl_setup.hpp), every step bounded by one deadline,
// replies up to 1 MiB. IPv4 addresses and `localhost` only: no DNS lookup, like the fault proxy.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/http_message.hpp"
#include "client/tls_trust.hpp"
#include "client/ws_url.hpp"
#include "protocol/result.hpp"

namespace rt::client {

struct http_url {
    std::string host;         // as written (for the Host header)
    std::uint16_t port = 80;
    std::string path;         // without a trailing '/'; "" for the root
    bool secure = false;      // https://
};

// Parses "http://HOST[:PORT][/PATH]" or "https://..."; the error says what is wrong.
result<http_url, std::string> parse_http_url(std::string_view text);

struct http_call {
    std::string method;  // "POST"
    std::string path;    // appended to the URL's path, e.g. "/Task/t1" (already percent-encoded)
    std::string body;    // sent as application/json when not empty
    std::string token;   // "Authorization: Bearer TOKEN" when not empty
};

// The HTTP base of a WebSocket server: the same host and port, https:// for wss://, no path.
inline http_url http_base_of(const ws_url& u) { return http_url{u.host, u.port, "", u.secure}; }

// Sends the request and reads the whole response, at most `timeout` in all. The error says why
// (cannot connect, timed out, malformed response, "certificate verify failed: ..." over https://).
// `trust` matters for https:// only.
result<http_response, std::string> http_exchange(const http_url& url, const http_call& call, std::chrono::milliseconds timeout,
                                                 const tls_trust& trust = {});

}  // namespace rt::client
