#include "server/message_dispatch.hpp"

#include <type_traits>
#include <variant>

#include "protocol/messages.hpp"

namespace rt::server {

std::optional<std::string> dispatch_client_text(server_state& s, conn_context& ctx, std::string_view text) {
    auto decoded = proto::decode_client(text, s.cfg.decode);
    if (!decoded) {
        s.metrics.bad_requests++;
        return proto::encode_error(decoded.error().id, decoded.error().error.code, decoded.error().error.message);
    }
    const proto::client_message& m = *decoded;
    if (!ctx.presence.empty()) s.hub.touch_presence(ctx, wall_ms());
    std::optional<proto::protocol_error> err;
    std::optional<std::string> reply;
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, proto::subscribe_msg>) {
                err = s.hub.subscribe(ctx, m.id, b);
            } else if constexpr (std::is_same_v<T, proto::unsubscribe_msg>) {
                err = s.hub.unsubscribe(ctx, m.id, b);
            } else if constexpr (std::is_same_v<T, proto::publish_msg>) {
                // With tokens, publishes also draw from the token's budget, shared with REST.
                if (!ctx.token.empty() && !s.mutations.try_take("token:" + ctx.token, proto::token_bucket::clock::now())) {
                    s.metrics.rate_limited++;
                    err = proto::protocol_error{proto::error_code::rate_limited,
                                                "too many changes for this token (WebSocket and REST share one limit); slow down"};
                    return;
                }
                auto r = s.hub.publish(ctx.who, b);
                if (r) reply = proto::encode_published(m.id, b.entity, r.value());
                else err = r.error();
            } else if constexpr (std::is_same_v<T, proto::presence_msg>) {
                err = s.hub.presence(ctx, b);
            } else {
                reply = proto::encode_pong(m.id, b.timestamp);
            }
        },
        m.body);
    if (err) {
        s.metrics.bad_requests++;
        return proto::encode_error(m.id, err->code, err->message);
    }
    return reply;
}

}  // namespace rt::server
