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
    // The reply frame to send here (none when the hub sent its own through the sink), or the error.
    using outcome = result<std::optional<std::string>, proto::protocol_error>;
    auto sent_by_hub = [](result<void, proto::protocol_error> r) -> outcome {
        if (!r) return make_unexpected(std::move(r.error()));
        return std::optional<std::string>();
    };
    outcome out = std::visit(
        [&](const auto& b) -> outcome {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, proto::subscribe_msg>) {
                return sent_by_hub(s.hub.subscribe(ctx, m.id, b));
            } else if constexpr (std::is_same_v<T, proto::unsubscribe_msg>) {
                return sent_by_hub(s.hub.unsubscribe(ctx, m.id, b));
            } else if constexpr (std::is_same_v<T, proto::publish_msg>) {
                // With tokens, publishes also draw from the token's budget, shared with REST.
                if (!ctx.token.empty() && !s.mutations.try_take("token:" + ctx.token, proto::token_bucket::clock::now())) {
                    s.metrics.rate_limited++;
                    return make_unexpected(proto::protocol_error{
                        proto::error_code::rate_limited, "too many changes for this token (WebSocket and REST share one limit); slow down"});
                }
                auto r = s.hub.publish(ctx.who, b);
                if (!r) return make_unexpected(std::move(r.error()));
                return std::optional<std::string>(proto::encode_published(m.id, b.entity, r.value()));
            } else if constexpr (std::is_same_v<T, proto::presence_msg>) {
                return sent_by_hub(s.hub.presence(ctx, b));
            } else {
                return std::optional<std::string>(proto::encode_pong(m.id, b.timestamp));
            }
        },
        m.body);
    if (!out) {
        s.metrics.bad_requests++;
        return proto::encode_error(m.id, out.error().code, out.error().message);
    }
    return std::move(out.value());
}

}  // namespace rt::server
