#pragma once
// Which browser origins may open a WebSocket or send an HTTP request (docs/protocol.md
// "Browsers: the Origin rule", docs/operations.md `--allowed-origins`). A request without an
// Origin header is not from a browser page and is allowed (curl, rt's own clients);
// authentication still applies. Pure: no I/O.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace rt::server {

class origin_policy {
public:
    // Patterns: "*" (any origin), "SCHEME://HOST" or "SCHEME://HOST:PORT" (exact), or
    // "SCHEME://HOST:*" (any port). Scheme and host compare case-insensitively. The error names
    // the pattern and the expected forms.
    static result<origin_policy, std::string> parse(const std::vector<std::string>& patterns);
    // The default: http://localhost:*, http://127.0.0.1:*, http://[::1]:* and `own_origin`
    // (the server's own "http://HOST:PORT", empty when it listens on a wildcard address).
    static origin_policy local_default(const std::string& own_origin);

    // True when a request carrying this Origin header value may proceed ("" = no header).
    bool allows(std::string_view origin) const;
    // The patterns, comma-separated, for the start-up line and logs.
    std::string describe() const;

private:
    struct pattern {
        std::string scheme_host;  // lower-case "http://localhost"
        std::string port;         // "" none, "*" any, else digits
    };
    bool any_ = false;
    std::vector<pattern> patterns_;
};

}  // namespace rt::server
