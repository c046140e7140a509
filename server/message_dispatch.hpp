#pragma once
// What one client message does, without the transport: decode → presence touch → the hub.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/conn_context.hpp"
#include "server/server_state.hpp"

namespace rt::server {

// What the transport does after one client message.
struct dispatch_result {
    std::optional<std::string> reply;  // the frame to send back, if any
    std::uint16_t close_code = 0;      // non-zero: then close the connection with this code and reason
    std::string close_reason{};
};

// One text frame of an open connection, already admitted by its rate limit: decoded with the
// --max-frame limit and the strict per-type readers (protocol/messages.cpp), then handed to the
// hub (or, for `refresh`, to access). Returns the reply for the connection — `published`,
// `pong`, `refreshed`, or an `error` carrying the client's id (counted in bad_requests) — or
// none when there is none to send here (a subscribe's `subscribed` leaves through the hub's
// delivery sink); and a close (4003) when a refresh changed the connection's rights. Called
// from that connection's handlers; takes the hub lock inside hub calls only.
dispatch_result dispatch_client_text(server_state& s, conn_context& ctx, std::string_view text);

}  // namespace rt::server
