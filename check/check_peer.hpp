#pragma once
// One connection of a case, at the level of protocol messages: send JSON, wait for the reply to
// an id, for the first message that matches, or for silence; every frame goes to the case's
// transcript. Steps that do not see what the protocol promises call fail() (case_outcome.hpp)
// with what was expected and what came instead.
//
// WebSocket pings from the server are answered (as every client library does) unless
// answer_pings(false); pongs and pings are counted. Messages that do not match a wait are kept,
// in order, for later waits: waiting for a reply never loses an event.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "check/transcript.hpp"
#include "check/wire_client.hpp"

namespace rt::check {

using json = nlohmann::json;
using ms = std::chrono::milliseconds;

class check_peer {
public:
    check_peer(std::unique_ptr<wire_client> wire, transcript& log, std::string name, ms step_timeout);

    const std::string& name() const { return name_; }

    // Sends one text frame (a JSON message, or any text).
    void send(const json& message);
    void send_text(const std::string& text);
    // Sends any frame (binary, ping, a text frame that is not UTF-8).
    void send_frame(const ws_frame& f);

    // The first message (parsed JSON object) for which `match` is true, waiting at most `timeout`
    // (the step timeout by default). Non-matching messages stay queued. fail("expected WHAT ...")
    // when none comes, listing what did.
    json expect(const std::function<bool(const json&)>& match, const std::string& what, std::optional<ms> timeout = {});
    // The message whose "id" equals `id` (the direct reply to a request).
    json reply(const json& id, std::optional<ms> timeout = {});
    // The reply to `id`, which must be of `type` ("subscribed"); an error reply fails with its code.
    json reply_of(const json& id, const std::string& type, std::optional<ms> timeout = {});
    // The next message of `type` (and, if given, of subscription `sub`).
    json next_of(const std::string& type, const std::string& sub = {}, std::optional<ms> timeout = {});
    // fail() if a message matching `match` arrives within `window` (also checks those queued).
    void expect_none(const std::function<bool(const json&)>& match, const std::string& what, ms window);
    // Sends a JSON ping and waits for its pong: everything the server sent before it has then
    // arrived (replies come in order), so queued() holds it. A barrier, not a sleep.
    void sync();

    // Messages received and not yet taken by a wait, oldest first.
    const std::deque<json>& queued() const { return queue_; }
    // Removes and returns the queued messages matching `match`.
    std::vector<json> take_all(const std::function<bool(const json&)>& match);

    // Waits for the server's close frame or the end of the stream; the close code (1006 for a
    // stream that ended without one), or nullopt when neither came within `timeout`.
    std::optional<int> wait_close(ms timeout);
    bool closed() const { return close_code_.has_value(); }
    std::string close_reason() const { return close_reason_; }

    // WebSocket control frames.
    void answer_pings(bool on) { answer_pings_ = on; }
    int pings_received() const { return pings_; }
    // Waits for a pong frame; its payload, or nullopt.
    std::optional<std::string> wait_pong(ms timeout);
    // Waits until the server has sent a ping (count above `seen`).
    bool wait_ping(int seen, ms timeout);

    // Drops the TCP connection without a close frame.
    void drop();
    // Sends a close frame (the server should answer with its own).
    void close(int code = 1000);

    ms step_timeout() const { return step_timeout_; }

private:
    // Reads one frame (handling control frames) until `deadline`; false when none came.
    bool pump(check_clock::time_point deadline);
    std::string describe_queue() const;

    std::unique_ptr<wire_client> wire_;
    transcript& log_;
    std::string name_;
    ms step_timeout_;
    std::deque<json> queue_;
    std::deque<std::string> pongs_;
    int pings_ = 0;
    bool answer_pings_ = true;
    std::optional<int> close_code_;
    std::string close_reason_;
    std::int64_t next_ping_id_ = 1;
};

}  // namespace rt::check
