#include "server/server_info.hpp"

#include <nlohmann/json.hpp>

#include "protocol/host_port.hpp"

namespace rt::server {

std::string server_info_json(const server_config& cfg, bool tokens) {
    using nlohmann::json;
    const auto ms = [](std::chrono::milliseconds d) { return static_cast<std::int64_t>(d.count()); };
    json limits = {
        {"max_frame_bytes", cfg.decode.max_message_bytes},
        {"max_name_bytes", cfg.decode.max_name_bytes},
        {"max_depth", cfg.decode.max_depth},
        {"max_subscriptions", cfg.hub.max_subscriptions},
        {"max_filter_bytes", cfg.hub.max_filter_bytes},
        {"rate_per_s", cfg.rate_per_s},
        {"rate_burst", cfg.rate_burst},
        {"abuse_close_after", cfg.abuse_close_after},
        {"replay_events", cfg.hub.replay.max_events},
        {"replay_age_ms", cfg.hub.replay.max_age_ms},
        {"ping_interval_ms", ms(cfg.ping_interval)},
        {"pong_timeout_ms", ms(cfg.pong_timeout)},
        {"slow_soft_bytes", cfg.output.soft_bytes},
        {"slow_grace_ms", ms(cfg.output.soft_grace)},
        {"slow_hard_bytes", cfg.output.hard_bytes},
        {"max_presence_resources", cfg.hub.max_presence_resources},
        {"max_presence_meta_bytes", cfg.hub.max_presence_meta_bytes},
        {"max_presence_users", cfg.hub.max_presence_users},
        {"presence_timeout_ms", ms(cfg.presence_timeout)},
    };
    json j = {
        {"protocol", 1},
        {"server", std::string("rt ") + RT_VERSION},
        {"path", cfg.ws_path},
        {"auth", tokens ? "tokens" : "none"},
        {"features", {{"presence", true}, {"rest", true}, {"sid", true}, {"sse", true}, {"jwt", cfg.jwt.enabled()}}},
        {"limits", limits},
    };
    return j.dump();
}

std::string server_info_for(std::string_view info_text, const rights& who, bool development, std::string_view spec_version) {
    nlohmann::json j = nlohmann::json::parse(info_text);  // server_info_json's own text: always valid
    j["rights"] = development ? nlohmann::json("all") : rights_json(who);
    if (!spec_version.empty()) j["spec_version"] = std::string(spec_version);
    return j.dump();
}

spec::asyncapi_options asyncapi_options_for(const server_config& cfg) {
    spec::asyncapi_options o;
    o.scheme = cfg.tls_cert_path.empty() ? "ws" : "wss";
    o.host = proto::to_string(proto::host_port{cfg.listen_host, cfg.listen_port});
    o.path = cfg.ws_path;
    o.tokens_file = !cfg.tokens_path.empty();
    o.jwt = cfg.jwt.enabled();
    return o;
}

}  // namespace rt::server
