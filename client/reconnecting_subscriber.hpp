#pragma once
// A reconnecting subscriber: ws_connection + proto::client_session + io_loop timers. Connects,
// subscribes, delivers each event once and in order, and on any disconnect waits (backoff with
// full jitter) and reconnects, resuming with `since` so the server replays what was missed.
// What `rt subscribe`, loadgen and chaos build on.
//
// Callbacks run on a loop thread, one at a time, under the subscriber's (recursive) lock: they may
// call any of its methods, including stop(), but should not block.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "protocol/client_session.hpp"

namespace rt::client {

struct subscriber_options {
    std::string url;  // ws://host:port/path (token goes in ws.token)
    ws_options ws;
    proto::client_session_options session;
    int max_retries = -1;  // failed reconnects in a row before giving up; -1: never give up
};

enum class stop_reason {
    stopped,  // stop() was called
    gave_up,  // max_retries reconnects failed in a row
    refused,  // the server refused us for good (AUTH_REQUIRED, close auth_failed, or every subscription refused)
    untrusted,  // we refused the server: its TLS certificate failed verification (close_tls_failed)
    ended,      // the server ended every subscription unasked (a spec reload removed them)
};

struct subscriber_callbacks {
    // An event, in order, exactly once (session rows already updated).
    std::function<void(const proto::event_msg&)> on_event;
    // Every session update (snapshot, resumed, gap, duplicate, error, ...), for callers that want detail.
    std::function<void(const proto::session_update&)> on_update;
    // Messages the session does not track (pong, published, presence): replies to send()s.
    std::function<void(const proto::server_message&)> on_other;
    // Status lines for humans (stderr): "connected to ws://127.0.0.1:8080/live",
    // "TaskUpdates: snapshot of 12 rows", "reconnecting in 1.6 s (attempt 3)",
    // "TaskUpdates: resumed with 4 replayed events", "TaskUpdates: resynced from snapshot of 9 rows",
    // "spec changed (version 9c1d…): added [..], changed [TaskUpdates], removed []",
    // "spec changed: TaskUpdates resynced, epoch 5e81…, 9 rows", "ArchivedTasks: ended by the server (spec_changed)".
    std::function<void(const std::string&)> on_status;
    // The subscriber has stopped for good; called once. `detail` explains (the server's error, ...).
    std::function<void(stop_reason, const std::string& detail)> on_stopped;
};

class reconnecting_subscriber : public std::enable_shared_from_this<reconnecting_subscriber> {
public:
    // Validates the URL (the error says what is wrong); does not connect until start().
    static result<std::shared_ptr<reconnecting_subscriber>, std::string> create(io_loop& loop, subscriber_options options,
                                                                       std::vector<proto::subscription_request> subs,
                                                                       subscriber_callbacks callbacks);
    ~reconnecting_subscriber();

    void start();  // any thread; once
    // Stops reconnecting and closes (normal); on_stopped(stopped) runs before this returns unless the
    // subscriber had already stopped. Any thread, including a callback.
    void stop();
    // Closes the current connection as if the network dropped it (the subscriber reconnects and
    // resumes). For tests and chaos. Any thread.
    void drop_connection();

    // Sends a frame on the current connection (publish, ping, presence); not_connected between
    // connections. Replies come through on_other.
    std::error_code send(std::string_view text);

    bool is_connected() const;
    bool is_stopped() const;
    proto::session_counters counters() const;
    // A copy of one subscription's rows (id → row); empty if unknown.
    std::map<std::string, proto::json> rows(std::string_view subscription) const;
    // A copy of one subscription's last delivered position.
    std::optional<proto::stream_position> position(std::string_view subscription) const;

    reconnecting_subscriber(io_loop& loop, subscriber_options options, subscriber_callbacks callbacks);  // use create()

private:
    void connect_locked();
    void on_open(std::uint64_t gen);
    void on_message(std::uint64_t gen, std::string_view text);
    void on_close(std::uint64_t gen, int code, std::string reason);
    void dispatch_locked(const proto::session_update& u, const proto::server_message& m);
    void send_all_locked(const std::vector<std::string>& frames);
    void finish_locked(stop_reason why, const std::string& detail);
    void status(const std::string& line);

    io_loop& loop_;
    subscriber_options options_;
    subscriber_callbacks callbacks_;
    std::string display_url_;  // without the token

    mutable std::recursive_mutex mutex_;
    proto::client_session session_;
    std::shared_ptr<ws_connection> con_;
    std::uint64_t generation_ = 0;  // tells this connection's callbacks from a dropped one's
    timer_handle retry_timer_;
    bool open_ = false;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace rt::client
