#pragma once
// `rt serve`: checks the settings, loads the spec, tokens and store, then serves them over
// WebSocket + HTTP until SIGINT/SIGTERM (run_server.cpp; the transport is ws_server.hpp).
#include "server/server_config.hpp"

namespace rt::server {

// Returns the process exit code: 0 after a clean shutdown, 1 on a runtime failure (bind error,
// unreadable database), 2 on a bad spec/tokens/config. Prints the reason to stderr.
int run_server(const server_config& cfg);

}  // namespace rt::server
