#pragma once
// What one client message does, without the transport: decode → presence touch → the hub.
#include <optional>
#include <string>
#include <string_view>

#include "server/conn_context.hpp"
#include "server/server_state.hpp"

namespace rt::server {

// One text frame of an open connection, already admitted by its rate limit: decoded with the
// --max-frame limit and the strict per-type readers (protocol/messages.cpp), then handed to the
// hub. Returns the reply for the connection — `published`, `pong`, or an `error` carrying the
// client's id (counted in bad_requests) — or nothing when there is none to send here (a
// subscribe's `subscribed` leaves through the hub's delivery sink). Called from that
// connection's handlers; takes the hub lock inside hub calls only.
std::optional<std::string> dispatch_client_text(server_state& s, conn_context& ctx, std::string_view text);

}  // namespace rt::server
