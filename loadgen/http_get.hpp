#pragma once
// A blocking HTTP/1.1 GET over loopback, for the few plain requests the load generator makes
// before and after a run (GET /metrics, GET /api/_spec). Not for the hot path.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace rt::loadgen {

struct http_reply {
    int status = 0;
    std::string body;
};

// GET http://host:port<path> with `Connection: close`, and `Authorization: Bearer <token>` when
// `token` is not empty; at most `timeout` in all and `max_bytes` of reply. nullopt on any failure
// (host not an IPv4 literal or "localhost", no server, timeout, oversized or malformed reply).
std::optional<http_reply> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                   const std::string& token, std::chrono::milliseconds timeout, std::size_t max_bytes);

}  // namespace rt::loadgen
