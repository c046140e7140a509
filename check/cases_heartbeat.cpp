// Group 8: heartbeats (docs/protocol.md §4 ping, §5 pong, §10): the JSON ping answered by a pong,
// WebSocket ping frames answered by pongs, the server's own pings, and a silent peer dropped.
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

// Slack on top of the announced heartbeat times: the server's ping timer ticks in slices (rt serve:
// every 100 ms), and a loaded CI machine delays both ends by a second or so.
constexpr ms heartbeat_margin{2000};
// The longest heartbeat a run waits for: the two timed cases wait up to interval + pong timeout
// each; rt serve's defaults (20 s + 10 s) fit, a server configured slower is skipped rather than
// holding a run for minutes.
constexpr ms heartbeat_max_wait{35000};

struct heartbeat_times {
    ms ping_interval, pong_timeout;
};

// The server's announced heartbeat (skip() when it announces none, or one too slow to wait for).
heartbeat_times announced_heartbeat(case_context& c) {
    const heartbeat_times t{ms(static_cast<std::int64_t>(c.need_limit("ping_interval_ms"))),
                            ms(static_cast<std::int64_t>(c.need_limit("pong_timeout_ms")))};
    if (t.ping_interval + t.pong_timeout > heartbeat_max_wait)
        skip("ping_interval_ms + pong_timeout_ms is " + std::to_string((t.ping_interval + t.pong_timeout).count()) +
             " ms, more than the " + std::to_string(heartbeat_max_wait.count()) + " ms a run waits for");
    return t;
}

// Sends a JSON ping with `extra` fields and an id; returns its reply, which must be a pong
// echoing the id with an integer timestamp.
json json_ping(case_context& c, check_peer& a, const json& extra) {
    const json id = c.next_id();
    json ping{{"type", "ping"}, {"id", id}};
    for (const auto& [k, v] : extra.items()) ping[k] = v;
    a.send(ping);
    const json pong = a.reply_of(id, "pong");
    if (!pong.contains("timestamp") || !pong["timestamp"].is_number_integer())
        fail("the pong has no integer timestamp: " + pong.dump());
    return pong;
}

void json_ping_echoed(case_context& c) {
    check_peer& a = c.connect();
    // 2^53 + 1: a server that keeps numbers as doubles would echo 2^53.
    const json ts = std::int64_t{9007199254740993};
    const json pong = json_ping(c, a, json{{"timestamp", ts}});
    if (pong["timestamp"] != ts)
        fail("the pong's timestamp is " + pong["timestamp"].dump() + "; the ping's was " + ts.dump() + " (echoed exactly)");
}

void json_ping_no_timestamp(case_context& c) {
    check_peer& a = c.connect();
    const json pong = json_ping(c, a, json::object());
    if (pong["timestamp"] != 0) fail("a ping without timestamp was answered with timestamp " + pong["timestamp"].dump() + " instead of 0");
}

void ws_ping_answered(case_context& c) {
    check_peer& a = c.connect();
    const std::string payload = "rtcheck " + c.fresh_value();
    a.send_frame(ws_frame{ws_opcode::ping, payload, true});
    const auto pong = a.wait_pong(a.step_timeout());
    if (!pong) fail("no pong frame within " + std::to_string(a.step_timeout().count()) + " ms of a ping frame");
    if (*pong != payload) fail("the pong frame's payload is '" + *pong + "'; the ping's was '" + payload + "'");
}

void server_pings(case_context& c) {
    const heartbeat_times t = announced_heartbeat(c);
    check_peer& a = c.connect();
    const ms wait = t.ping_interval + heartbeat_margin;
    if (!a.wait_ping(0, wait))
        fail("no ping frame within " + std::to_string(wait.count()) + " ms (ping_interval_ms " +
             std::to_string(t.ping_interval.count()) + " + margin)" +
             (a.closed() ? "; the connection closed with " + std::to_string(a.wait_close(ms(0)).value_or(0)) : std::string()));
}

void silent_peer_dropped(case_context& c) {
    const heartbeat_times t = announced_heartbeat(c);
    check_peer& a = c.connect();
    a.answer_pings(false);
    const ms wait = t.ping_interval + t.pong_timeout + heartbeat_margin;
    const auto code = a.wait_close(wait);
    if (!code)
        fail("a connection that answered none of its " + std::to_string(a.pings_received()) + " ping(s) was still open after " +
             std::to_string(wait.count()) + " ms (ping_interval_ms + pong_timeout_ms + margin)");
    if (*code != 1006)
        fail("the silent connection was closed with a close frame (" + std::to_string(*code) + " '" + a.close_reason() +
             "'); a peer that misses its heartbeat is dropped without one (1006)");
    if (a.pings_received() == 0) fail("the connection was dropped without having been pinged: not a heartbeat timeout");
}

}  // namespace

case_group heartbeat_cases(int number) {
    return make_group(number, "heartbeat", "Heartbeats",
                      {
                          {"", "a JSON ping: a pong with its id and the same timestamp, exactly", "§4 ping, §5 pong", json_ping_echoed},
                          {"", "a JSON ping without timestamp: a pong with timestamp 0", "§4 ping, §5 pong", json_ping_no_timestamp},
                          {"", "a WebSocket ping frame: a pong frame with the same payload", "§10 Heartbeats", ws_ping_answered},
                          {"", "the server pings every connection within ping_interval_ms", "§10 Heartbeats", server_pings},
                          {"", "a connection that answers no ping is dropped without a close frame (1006) within ping_interval_ms + pong_timeout_ms",
                           "§10 Heartbeats", silent_peer_dropped},
                      });
}

}  // namespace rt::check
