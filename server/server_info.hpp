#pragma once
// GET /api/_info: what this server announces about itself to tools (`rt check` reads it): the
// protocol version, the WebSocket path, whether it needs tokens, its optional features and the
// limits a client may meet (docs/protocol.md §12), and the rights of the token that asked (§13).
// Pure: the server-wide part is built once at start-up from the config.
#include <string>
#include <string_view>

#include "protocol/asyncapi.hpp"
#include "server/rights.hpp"
#include "server/server_config.hpp"

namespace rt::server {

// The JSON body of GET /api/_info for a server started with `cfg`; `tokens`: clients need a token
// (a tokens file or a JWT key). Feature `jwt`: JWTs are accepted, and with them `refresh`.
std::string server_info_json(const server_config& cfg, bool tokens);

// The body for one caller: `info_text` (server_info_json's) with "rights" added: `who`'s rights
// (rights_json), or "all" in development mode (every connection may do everything), and
// "spec_version": the version of the spec served now (spec::ir_hash; a live reload changes it).
std::string server_info_for(std::string_view info_text, const rights& who, bool development,
                            std::string_view spec_version = {});

// GET /api/_asyncapi's options for a server started with `cfg`: wss with --tls-cert, its --path,
// its auth (tokens file, JWT key), and --listen's address as the host until a request names one.
spec::asyncapi_options asyncapi_options_for(const server_config& cfg);

}  // namespace rt::server
