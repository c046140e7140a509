#include "server/metrics.hpp"

#include <sstream>
#include <string_view>

#include "protocol/close_codes.hpp"

namespace rt::server {

namespace {
void metric(std::ostringstream& os, const char* name, const char* type, std::string_view help, std::uint64_t v) {
    os << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
}
}  // namespace

std::string render_prometheus(const metrics& m, const metrics_extra& x) {
    std::ostringstream os;
    metric(os, "rt_connections", "gauge", "Open connections: WebSocket and SSE streams.", static_cast<std::uint64_t>(m.connections.load()));
    metric(os, "rt_connections_total", "counter", "Connections accepted: WebSocket and SSE streams.", m.connections_total);
    metric(os, "rt_sse_connections", "gauge", "Open SSE streams (GET /sse), also counted in rt_connections.", static_cast<std::uint64_t>(m.sse_connections.load()));
    metric(os, "rt_sse_connections_total", "counter", "SSE streams opened, also counted in rt_connections_total.", m.sse_connections_total);
    metric(os, "rt_auth_failures_total", "counter", "Handshakes refused for a missing or bad token.", m.auth_failures);
    metric(os, "rt_messages_received_total", "counter", "Client messages received.", m.messages_received);
    metric(os, "rt_bad_requests_total", "counter", "Client messages answered with an error.", m.bad_requests);
    metric(os, "rt_rate_limited_total", "counter", "Client messages refused by the rate limit.", m.rate_limited);
    metric(os, "rt_abuse_disconnects_total", "counter", "Connections closed for repeated rate-limit abuse.", m.abuse_disconnects);
    metric(os, "rt_mutations_total", "counter", "Committed entity changes.", m.mutations);
    metric(os, "rt_events_published_total", "counter", "Stream events created (one per stream per change).", m.events_published);
    metric(os, "rt_throttled_batches_total", "counter", "Batched windows sent by throttle groups (one events frame per group per window).", m.throttled_batches);
    metric(os, "rt_throttled_events_total", "counter", "Coalesced events sent by throttle groups (one per group per changed row per window).", m.throttled_events);
    metric(os, "rt_events_delivered_total", "counter", "Event frames queued to subscribers.", m.events_delivered);
    metric(os, "rt_events_dropped_total", "counter", "Event frames dropped for slow consumers.", m.events_dropped);
    metric(os, "rt_slow_consumer_disconnects_total", "counter", "Connections closed as slow consumers.", m.slow_disconnects);
    metric(os, "rt_heartbeat_timeouts_total", "counter", "Connections closed for a missing pong.", m.heartbeat_timeouts);
    metric(os, "rt_replayed_events_total", "counter", "Events replayed to resuming clients.", m.replayed_events);
    metric(os, "rt_resumes_recovered_total", "counter", "Resumes answered from the replay buffer.", m.resumes_recovered);
    metric(os, "rt_resumes_resynced_total", "counter", "Resumes that needed a fresh snapshot.", m.resumes_resynced);
    metric(os, "rt_origin_refusals_total", "counter", "Upgrades and HTTP requests refused for their Origin.", m.origin_refusals);
    metric(os, "rt_handler_failures_total", "counter", "Handlers that failed unexpectedly; each closed its connection with " + std::to_string(proto::close_code::internal_error) + " and logged why.", m.handler_failures);
    metric(os, "rt_token_reloads_total", "counter", "Tokens file reloads (SIGHUP) that took effect.", m.token_reloads);
    metric(os, "rt_token_reload_failures_total", "counter", "Tokens file reloads refused; the previous tokens stay.", m.token_reload_failures);
    metric(os, "rt_spec_reloads_total", "counter", "Live spec reloads (--watch, SIGHUP) applied.", m.spec_reloads);
    metric(os, "rt_spec_reload_failures_total", "counter", "Live spec reloads refused; the previous spec keeps serving.", m.spec_reload_failures);
    metric(os, "rt_spec_reload_failed", "gauge", "1 while the last spec reload attempt was refused, else 0.", static_cast<std::uint64_t>(m.spec_reload_failed.load()));
    metric(os, "rt_token_refreshes_total", "counter", "JWTs replaced by a refresh message.", m.token_refreshes);
    metric(os, "rt_token_expiries_total", "counter", "Connections closed because their JWT expired (4002).", m.token_expiries);
    metric(os, "rt_streams_evicted_total", "counter", "Idle streams dropped before --replay-age for --max-idle-streams or --max-idle-stream-memory.", m.streams_evicted);
    metric(os, "rt_bytes_queued", "gauge", "Bytes queued for sending across all connections (WebSocket and SSE).", x.bytes_queued);
    metric(os, "rt_streams", "gauge", "Live streams (subscription + filter).", x.hub.streams);
    metric(os, "rt_idle_streams", "gauge", "Streams without subscribers, kept for resume.", x.hub.idle_streams);
    metric(os, "rt_idle_stream_bytes", "gauge", "Estimated memory of the idle streams, replay buffers included.", x.hub.idle_stream_bytes);
    metric(os, "rt_replay_buffered_events", "gauge", "Events held in replay buffers.", x.hub.buffered_events);
    metric(os, "rt_replay_buffered_bytes", "gauge", "Bytes held in replay buffers.", x.hub.buffered_bytes);
    if (int up = m.broker_up.load(); up >= 0) {
        metric(os, "rt_broker_up", "gauge", "1 when this node is in sync with Redis (--broker), 0 when Redis cannot be reached.", up);
        metric(os, "rt_broker_reconnects_total", "counter", "Reconnect attempts after Redis was lost.", m.broker_reconnects);
        metric(os, "rt_broker_resyncs_total", "counter", "Reloads after Redis lost history; this node's streams got new epochs.", m.broker_resyncs);
        metric(os, "rt_broker_repairs_total", "counter", "Changes read from the change log because the channel missed them.", m.broker_repairs);
        metric(os, "rt_broker_conflicts_total", "counter", "Commits that met a concurrent change of the same row (then retried).", m.broker_conflicts);
    }
    os << "# HELP rt_subscriptions Subscribers per subscription.\n# TYPE rt_subscriptions gauge\n";
    for (const auto& [name, n] : x.hub.subscribers_by_name) os << "rt_subscriptions{subscription=\"" << name << "\"} " << n << "\n";
    return os.str();
}

}  // namespace rt::server
