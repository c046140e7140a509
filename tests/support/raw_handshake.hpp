#pragma once
// Test support: a raw TCP client for handshake-level tests. It sends bytes exactly as given (a
// WebSocket upgrade a real client library would never send) and returns the server's response
// head, so a test can assert the HTTP status an odd handshake gets. Loopback only; every read is
// bounded by a timeout.
#include <chrono>
#include <map>
#include <string>

namespace rt::test {

struct raw_handshake_reply {
    int status = 0;            // the status line's code; 0 if nothing (or no HTTP) came back
    std::string head;          // status line and headers, without the blank line
    std::string body;          // whatever followed the head before the server closed or went quiet
    bool connected = false;    // the TCP connect succeeded
};

// Sends `request` (verbatim) to 127.0.0.1:`port` and reads the response head and, for a refusal,
// the body until the server closes (or `timeout` passes). A 101 answer is returned at once.
raw_handshake_reply raw_handshake(int port, const std::string& request,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A WebSocket upgrade request for `resource` with the given headers replaced or removed (an empty
// value removes it). Defaults: Host, Upgrade: websocket, Connection: Upgrade, the RFC 6455 example
// Sec-WebSocket-Key, Sec-WebSocket-Version: 13.
std::string raw_upgrade_request(const std::string& resource, const std::map<std::string, std::string>& overrides = {});

}  // namespace rt::test
