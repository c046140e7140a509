#pragma once
// An app's spec for the tools that derive their work from it (`rt loadgen --spec`, `rt check
// --spec`): a file, or `server` — GET /api/_spec from the host of the WebSocket URL under test.
#include <chrono>
#include <string>

#include "client/tls_trust.hpp"
#include "protocol/result.hpp"
#include "protocol/spec.hpp"

namespace rt::client {

// The path GET fetches the spec from.
constexpr const char* spec_endpoint = "/api/_spec";

struct spec_source_error {
    bool usage = true;  // true: the source or the spec is wrong (exit 2); false: the fetch failed (exit 1)
    std::string message;
};

// Reads `source` (a file path, or "server": GET /api/_spec from `ws_url`'s host with `token`,
// over https:// trusting `trust` when the URL is wss://) and parses it. The error carries every
// spec error (file:line:col) or why the fetch failed.
result<spec::app, spec_source_error> load_app_spec(const std::string& source, const std::string& ws_url,
                                                   const std::string& token, std::chrono::milliseconds fetch_timeout,
                                                   const tls_trust& trust = {});

}  // namespace rt::client
