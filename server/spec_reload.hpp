#pragma once
// A live spec reload (rt serve --watch, SIGHUP; docs/operations.md "Live spec reload"): read the
// spec file again, check it, and apply it through the hub, or refuse it and keep the old one.
// No websocketpp or Asio: the transport calls it on its I/O loop with its open connections.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/conn_context.hpp"
#include "server/server_state.hpp"

namespace rt::server {

enum class spec_reload_result {
    applied,    // the new spec serves; every connection got `spec_changed`
    unchanged,  // same version (spec::ir_hash) as the one served: nothing happened
    refused,    // it does not parse or check, the tokens file or a stored row does not fit it:
                // logged at error level, counted; the old spec keeps serving
};

// Reloads the spec from `text` (nullopt: read state.cfg.spec_path now). `trigger` names the cause
// in the log ("SIGHUP", "--watch"). Updates the reload metrics and what GET /api/_spec, /api/_info
// and /api/_asyncapi serve. `open`: every open connection (WebSocket and SSE). Not with a broker
// (the caller refuses: all nodes must agree on one spec).
spec_reload_result reload_spec(server_state& state, const char* trigger, const std::vector<std::shared_ptr<conn_context>>& open,
                               std::optional<std::string> text = std::nullopt);

}  // namespace rt::server
