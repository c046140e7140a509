#pragma once
// Every setting of `rt serve`, with its default and the reason for it. Filled from a TOML config
// file (`--config`), then from flags (flags win).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/violation_count.hpp"
#include "protocol/result.hpp"

namespace rt::server {

struct server_config {
    std::string spec_path;
    std::string listen_host = "127.0.0.1";  // local development by default
    std::uint16_t listen_port = 8080;
    std::string ws_path = "/live";
    std::string db_path = ":memory:";        // the first README command needs no set-up
    std::string tokens_path;                 // empty: no auth, loopback only
    bool insecure = false;                   // listen beyond loopback without tokens
    // Browser origins allowed to upgrade or send requests; empty: the local default (loopback
    // origins and the server's own), so a web page elsewhere cannot drive a dev server.
    std::vector<std::string> allowed_origins;
    std::string log_level = "info";
    int threads = 2;                          // one per core on the reference 2-core machine

    std::chrono::milliseconds ping_interval{20000};   // below common 30-60 s proxy idle timeouts
    std::chrono::milliseconds pong_timeout{10000};    // a peer silent this long after a ping is dead
    std::uint64_t max_frame_bytes = 64 * 1024;        // rows are small; bigger frames are abuse
    int max_subscriptions = 50;                       // per connection; a UI rarely needs more than a few
    double rate_per_s = 100;                          // client messages per second per connection
    double rate_burst = 200;                          // lets a client resubscribe everything at once
    int abuse_close_after = 50;                       // rate-limit violations before close 1008
    // The violation count halves every abuse_decay (0: never); the default's reason is beside it.
    std::chrono::milliseconds abuse_decay = proto::violation_count::default_half_life;

    std::uint32_t replay_max_events = 100;            // per stream
    std::chrono::milliseconds replay_max_age{30000};  // covers a typical reconnect after a network blip
    std::uint64_t slow_soft_bytes = 1 << 20;          // queued bytes past which events are dropped
    std::chrono::milliseconds slow_grace{5000};       // time over the soft limit before close 1008
    std::uint64_t slow_hard_bytes = 8 << 20;          // queued bytes that close at once
    std::uint64_t socket_send_buffer_bytes = 256 * 1024;  // kernel buffer per socket: bounds what a stalled peer pins (autotuning allows 4 MiB)
    std::chrono::milliseconds presence_timeout{30000};// a presence member silent this long is removed
    std::uint64_t max_filter_bytes = 1024;            // a real filter names a few short values; each distinct one is a stream
    std::uint32_t max_idle_streams = 10000;           // a reconnect wave of 10k clients, each on its own stream, still resumes
    std::uint64_t max_idle_stream_bytes = 64 << 20;   // ~1,900 full buffers of 350 B events; departed clients pin no more
    std::uint32_t max_presence_resources = 20;        // per connection; a UI shows a handful of boards or documents at once
    std::uint64_t max_presence_meta_bytes = 1024;     // a cursor or a column; every member receives it on every change
    std::uint32_t max_presence_users = 100;           // listed per presence message (then only `count`): bounds each frame
    std::chrono::milliseconds shutdown_grace{1500};   // SIGTERM must exit within 2 s
};

// Applies a TOML config file onto `cfg`. Unknown keys and wrong types are errors naming the key
// and file:line:col.
result<bool, std::string> apply_config_file(server_config& cfg, const std::string& path);

// "127.0.0.1:8080" / ":8080" / "[::1]:0" → host, port. Error names the text.
result<bool, std::string> parse_listen(const std::string& text, std::string& host, std::uint16_t& port);

// Checks cross-field rules (e.g. a non-loopback address needs tokens or insecure).
result<bool, std::string> validate(const server_config& cfg);

bool is_loopback(const std::string& host);

// "a, b,c" → {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace rt::server
