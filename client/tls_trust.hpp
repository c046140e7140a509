#pragma once
// Whom a TLS client trusts: shared by the WebSocket transport (ws_options) and the HTTP client.
#include <string>

namespace rt::client {

struct tls_trust {
    std::string ca_file;                // PEM file of the CAs to trust instead of the system's; empty: the system's
    bool insecure_skip_verify = false;  // verify neither the certificate nor the host name (test servers only)
};

}  // namespace rt::client
