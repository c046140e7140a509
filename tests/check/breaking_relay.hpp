#pragma once
// A WebSocket relay in front of a real `rt serve` that breaks one rule of the protocol on purpose:
// the "small deliberately broken peer" each rt check case is shown to fail against. It forwards
// the handshake and every frame both ways, and a relay_rule may rewrite, drop or add frames (or
// answer the handshake itself). One thread per connection, blocking sockets, loopback only;
// everything stops when the relay is destroyed.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/ws_frame.hpp"

namespace rt::test {

struct relay_out {
    std::vector<check::ws_frame> to_client, to_server;
};

// One instance per relayed connection (the relay makes a new one for each), so a rule may keep
// per-connection state ("drop the second event"). Calls come from the connection's one thread.
class relay_rule {
public:
    virtual ~relay_rule() = default;
    // The client's request head (request line and headers, no blank line). Edit it, or return a
    // whole HTTP answer to send instead of forwarding (the connection then ends).
    virtual std::optional<std::string> on_request(std::string& head) {
        (void)head;
        return std::nullopt;
    }
    // The server's answer head (to the client).
    virtual void on_response(std::string& head) { (void)head; }
    // A plain HTTP request's head (REST, GET /api/_info; on_request sees upgrades only): edit it
    // (say, its Authorization header), or return a whole HTTP answer to send instead of forwarding.
    // The server's answer to a forwarded request goes back unchanged.
    virtual std::optional<std::string> on_http_request(std::string& head) {
        (void)head;
        return std::nullopt;
    }
    virtual relay_out from_client(check::ws_frame f) {
        relay_out o;
        o.to_server.push_back(std::move(f));
        return o;
    }
    virtual relay_out from_server(check::ws_frame f) {
        relay_out o;
        o.to_client.push_back(std::move(f));
        return o;
    }
};

using rule_factory = std::function<std::unique_ptr<relay_rule>()>;

// A rule that passes everything through (the relay itself breaks nothing).
rule_factory pass_through();

// A rule rewriting the server's JSON messages: `fn` gets each one (and the connection's count of
// messages so far, from 0) and returns what the client gets instead (empty: the message is
// dropped). Text frames that are not JSON and control frames pass unchanged. `fn` is copied per
// connection, so a stateful lambda starts afresh on each.
using json_rewrite = std::function<std::vector<nlohmann::json>(nlohmann::json message)>;
rule_factory rewrite_server_json(json_rewrite fn);
// The same for what the client sends.
rule_factory rewrite_client_json(json_rewrite fn);

class breaking_relay {
public:
    // Listens on 127.0.0.1 (an ephemeral port) and relays each connection to 127.0.0.1:upstream_port.
    breaking_relay(int upstream_port, rule_factory make_rule);
    ~breaking_relay();
    breaking_relay(const breaking_relay&) = delete;
    breaking_relay& operator=(const breaking_relay&) = delete;
    int port() const { return port_; }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/live"; }

private:
    void accept_loop();
    void relay_connection(int client_fd);

    int upstream_port_;
    rule_factory make_rule_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex threads_mu_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace rt::test
