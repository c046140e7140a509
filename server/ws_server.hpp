#pragma once
// The WebSocket + HTTP transport of `rt serve`, seen from outside: no websocketpp or Asio here.
// run_server.cpp loads the spec, tokens and store into a server_state, then calls run_ws_server.
// The transport itself is the ws_*.cpp files, which share the private header ws_detail.hpp.
#include <string>

#include "protocol/result.hpp"
#include "server/server_state.hpp"

namespace rt::server {

// --listen's host once resolved: the IP address as text, and whether it is a loopback address.
struct listen_address {
    std::string ip;
    bool loopback = false;
};

// --listen's host: an IP address as written, or a name resolved once, here, before anything is
// printed (`localhost` → its first address, 127.0.0.1 on the usual /etc/hosts). The error names the host.
result<listen_address, std::string> resolve_listen_host(const std::string& host);

// Binds `at`:cfg.listen_port, accepts, and serves `state` on cfg.threads threads until
// SIGINT/SIGTERM. Returns the process exit code: 0 after a clean shutdown, 1 when it cannot listen.
int run_ws_server(server_state& state, const listen_address& at);

}  // namespace rt::server
