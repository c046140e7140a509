#pragma once
// Every setting of `rt serve`, with its default and the reason for it. The limits that belong to a
// lower layer are that layer's structs, embedded (their defaults and reasons are written there,
// once). Filled from a TOML config file (`--config`), then from flags (flags win), both through the
// one table of server_settings.hpp.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/output_limit.hpp"
#include "protocol/result.hpp"
#include "protocol/violation_count.hpp"
#include "server/hub_config.hpp"
#include "server/jwt_verifier.hpp"

namespace rt::server {

struct server_config {
    std::string spec_path;
    // --watch: reload spec_path when its content changes (docs/operations.md "Live spec reload").
    // Off by default: a production server changes its spec when told (SIGHUP), not on a save.
    bool watch_spec = false;
    std::string listen_host = "127.0.0.1";  // local development by default
    std::uint16_t listen_port = 8080;
    std::string ws_path = "/live";
    std::string db_path = ":memory:";        // the first README command needs no set-up
    std::string tokens_path;                 // empty (and no JWT key): no auth, loopback only
    // redis://HOST:PORT[/DB]: rows, streams and their history shared with the other nodes of the
    // same Redis; empty: this node alone (its own store).
    std::string broker_url;
    // With a broker: Redis silent this long (a reply overdue, or no answer while connecting) is
    // down, and a node whose heartbeat is this old is dead (its presence members go). 3 s rides
    // out a busy Redis's pauses yet finds a dead one before a user wonders.
    std::chrono::milliseconds broker_timeout{3000};
    jwt_settings jwt;                        // --jwt-secret-file, --jwt-public-key, --jwt-leeway, --jwt-audience, --jwt-issuer
    // Clients authenticate: a tokens file or a JWT key is given (otherwise development mode).
    bool auth_enabled() const { return !tokens_path.empty() || jwt.enabled(); }
    bool insecure = false;                   // listen beyond loopback without tokens
    // TLS on the listening port (WebSocket, REST, /metrics, /healthz alike): PEM certificate chain
    // and its key, both or neither; re-read on SIGHUP. Empty: plain ws:// and http://.
    std::string tls_cert_path;
    std::string tls_key_path;
    // Browser origins allowed to upgrade or send requests; empty: the local default (loopback
    // origins and the server's own), so a web page elsewhere cannot drive a dev server.
    std::vector<std::string> allowed_origins;
    std::string log_level = "info";
    int threads = 2;                          // one per core on the reference 2-core machine

    std::chrono::milliseconds ping_interval{20000};   // below common 30-60 s proxy idle timeouts
    std::chrono::milliseconds pong_timeout{10000};    // a peer silent this long after a ping is dead
    // What a client message may be; --max-frame is decode.max_message_bytes (also the largest
    // WebSocket frame and REST body the endpoint reads).
    proto::decode_limits decode;
    double rate_per_s = 100;                          // client messages per second per connection
    double rate_burst = 200;                          // lets a client resubscribe everything at once
    int abuse_close_after = 50;                       // rate-limit violations before close 1008
    // The violation count halves every abuse_decay (0: never); the default's reason is beside it.
    std::chrono::milliseconds abuse_decay = proto::violation_count::default_half_life;

    proto::output_limit_config output;                // --slow-soft, --slow-grace, --slow-hard
    std::uint64_t socket_send_buffer_bytes = 256 * 1024;  // kernel buffer per socket: bounds what a stalled peer pins (autotuning allows 4 MiB)
    std::chrono::milliseconds presence_timeout{30000};// a presence member silent this long is removed
    // An SSE stream's `: ping` comment: below the 30-60 s idle timeouts of common proxies, and what
    // lets the server notice a browser that went away without closing (the write fails).
    std::chrono::milliseconds sse_heartbeat{15000};
    hub_config hub;                                   // replay, subscription, idle-stream and presence limits
    std::chrono::milliseconds shutdown_grace{1500};   // SIGTERM must exit within 2 s
};

struct listen_spec {
    std::string host;
    std::uint16_t port = 0;
};
// "127.0.0.1:8080" / ":8080" / "[::1]:0" → host, port. Error names the text.
result<listen_spec, std::string> parse_listen(const std::string& text);

// Checks cross-field rules (e.g. a non-loopback address needs tokens or insecure): ok, or the first
// rule broken.
result<void, std::string> validate(const server_config& cfg);

bool is_loopback(const std::string& host);

// "a, b,c" → {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace rt::server
