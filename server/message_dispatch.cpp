#include "server/message_dispatch.hpp"

#include <type_traits>
#include <variant>

#include "protocol/close_codes.hpp"
#include "protocol/messages.hpp"

namespace rt::server {

namespace {

// A `refresh`: the new JWT replaces the connection's expiry; rights that differ close it with
// 4003, as a tokens reload does (the client reconnects with the new token and gets them).
dispatch_result refresh(server_state& s, conn_context& ctx, const proto::json& id, const proto::refresh_msg& r) {
    auto out = s.access.refresh(ctx, r.token, wall_ms());
    if (!out) {
        s.metrics.bad_requests++;
        return {proto::encode_error(id, out.error().code, out.error().message)};
    }
    s.metrics.token_refreshes++;
    if (out->rights_changed) return {std::nullopt, proto::close_code::rights_changed, "token rights changed; reconnect"};
    return {proto::encode_refreshed(id, out->exp_s)};
}

}  // namespace

dispatch_result dispatch_client_text(server_state& s, conn_context& ctx, std::string_view text) {
    auto decoded = proto::decode_client(text, s.cfg.decode);
    if (!decoded) {
        s.metrics.bad_requests++;
        return {proto::encode_error(decoded.error().id, decoded.error().error.code, decoded.error().error.message)};
    }
    const proto::client_message& m = *decoded;
    if (!ctx.presence.empty()) s.hub.touch_presence(ctx, wall_ms());
    if (const auto* r = std::get_if<proto::refresh_msg>(&m.body)) return refresh(s, ctx, m.id, *r);
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
                if (!ctx.budget_key.empty() && !s.mutations.try_take(ctx.budget_key, proto::token_bucket::clock::now())) {
                    s.metrics.rate_limited++;
                    return make_unexpected(proto::protocol_error{
                        proto::error_code::rate_limited, "too many changes for this token (WebSocket and REST share one limit); slow down"});
                }
                if (s.hub.shared()) {
                    // Answered once this node has applied the committed change (or with the error).
                    s.hub.publish_shared(ctx.who, b, [&s, conn = ctx.self, id = m.id, entity = b.entity](
                                                         result<proto::json, proto::protocol_error> r) {
                        auto c = conn.lock();
                        if (!c) return;
                        if (!r) s.metrics.bad_requests++;
                        s.sink.send_to(*c, std::make_shared<const std::string>(
                                               r ? proto::encode_published(id, entity, r.value())
                                                 : proto::encode_error(id, r.error().code, r.error().message)));
                    });
                    return std::optional<std::string>();
                }
                auto r = s.hub.publish(ctx.who, b);
                if (!r) return make_unexpected(std::move(r.error()));
                return std::optional<std::string>(proto::encode_published(m.id, b.entity, r.value()));
            } else if constexpr (std::is_same_v<T, proto::presence_msg>) {
                return sent_by_hub(s.hub.presence(ctx, b));
            } else if constexpr (std::is_same_v<T, proto::ping_msg>) {
                return std::optional<std::string>(proto::encode_pong(m.id, b.timestamp));
            } else {
                static_assert(std::is_same_v<T, proto::refresh_msg>);  // handled above
                return std::optional<std::string>();
            }
        },
        m.body);
    if (!out) {
        s.metrics.bad_requests++;
        return {proto::encode_error(m.id, out.error().code, out.error().message)};
    }
    return {std::move(out.value())};
}

}  // namespace rt::server
