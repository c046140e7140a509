#pragma once
// A blocking WebSocket client for tests and simple commands: one connection on its own io_loop
// thread, with received text frames queued in order. Not for many connections (use ws_connection).
// Methods may be called from any one thread at a time (the owner's); none may be called from the
// client's own callbacks, because there are none: everything is pulled.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::client {

class sync_client {
public:
    // Connects and waits for the handshake, at most `timeout`. The error says why: bad URL,
    // "connection refused", an HTTP status, or a timeout.
    static result<std::unique_ptr<sync_client>, std::string> connect(std::string_view url,
                                                                     std::chrono::milliseconds timeout,
                                                                     const ws_options& options = {});
    ~sync_client();  // closes (1001) without waiting, then stops the thread
    sync_client(const sync_client&) = delete;
    sync_client& operator=(const sync_client&) = delete;

    // Queues a text frame; fails once the connection is closed.
    std::error_code send(std::string_view text);
    std::error_code send_json(const nlohmann::json& j) { return send(j.dump()); }

    // The next received frame in arrival order, or nullopt if none arrives within `timeout`
    // (or the connection is closed and nothing is left).
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    // receive(), parsed. A frame that is not JSON is consumed and gives nullopt.
    std::optional<nlohmann::json> receive_json(std::chrono::milliseconds timeout);
    // The first queued or arriving JSON frame for which `match` is true, within `timeout`.
    // Frames that do not match are NOT dropped: they stay queued, in order, for later receive()
    // calls (so waiting for a reply never loses an event). Non-JSON frames never match.
    std::optional<nlohmann::json> receive_until(const std::function<bool(const nlohmann::json&)>& match,
                                                std::chrono::milliseconds timeout);
    // The first queued or arriving server message whose "id" is `id` — the reply to the request
    // that carried it — decoded by proto::decode_server. Frames that are not it stay queued, as
    // with receive_until; so does a frame with that id that does not decode. nullopt when none
    // arrives within `timeout`.
    std::optional<proto::server_message> receive_reply(const nlohmann::json& id, std::chrono::milliseconds timeout);
    // Sends a request, encoded by proto::encode_client.
    std::error_code send_message(const proto::client_message& m);

    // Frames received and not yet taken.
    std::size_t pending() const;
    // Drops every queued frame; returns how many.
    std::size_t clear();

    // Stop reading from the socket (the server then sees a slow consumer), and resume.
    std::error_code pause_reading();
    std::error_code resume_reading();
    std::size_t buffered_amount() const;

    // Starts the closing handshake; wait_closed() waits for its end.
    void close(int code = proto::close_code::normal, std::string reason = {});
    // True once the connection has closed (either side), within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout);
    bool is_closed() const;
    // The close code and reason the peer sent (1006 and the error text when it sent none).
    // Meaningful once is_closed().
    int close_code() const;
    std::string close_reason() const;

    struct state;

private:
    sync_client(std::unique_ptr<io_loop> loop, std::shared_ptr<state> st, std::shared_ptr<ws_connection> con);
    std::unique_ptr<io_loop> loop_;  // declared first: destroyed after the connection
    std::shared_ptr<state> st_;
    std::shared_ptr<ws_connection> con_;
};

}  // namespace rt::client
