#pragma once
// `rt serve`: loads the spec, tokens and store, then runs the WebSocket + HTTP endpoint until
// SIGINT/SIGTERM. websocketpp/Asio live only in ws_server.cpp.
#include "server/server_config.hpp"

namespace rt::server {

// Returns the process exit code: 0 after a clean shutdown, 1 on a runtime failure (bind error,
// unreadable database), 2 on a bad spec/tokens/config. Prints the reason to stderr.
int run_server(const server_config& cfg);

}  // namespace rt::server
