// Group 8 (heartbeats): each case fails against a relay in front of rt serve that breaks exactly
// its rule, and passes straight against the server. The server pings every second with a 500 ms
// pong timeout (rt serve wants the timeout shorter than the interval), so the timed cases take ~1 s.
#include <chrono>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

namespace {

using nlohmann::json;
using rt::check::ws_frame;
using rt::check::ws_opcode;

rt::test::check_fixture heartbeat_fixture() {
    return rt::test::check_fixture("helpdesk.spec", {"--ping-interval", "1s", "--pong-timeout", "500ms"});
}

void heartbeat_require_broken(const std::string& id, rt::test::rule_factory rule) {
    auto fx = heartbeat_fixture();
    rt::test::require_breaks(fx, id, std::move(rule));
}

// The relay answers the server's pings itself, so the server sees a live peer whatever the client
// does; `forward` says whether the client sees the pings too.
class heartbeat_ping_keeper : public rt::test::relay_rule {
public:
    explicit heartbeat_ping_keeper(bool forward) : forward_(forward) {}
    rt::test::relay_out from_server(ws_frame f) override {
        rt::test::relay_out o;
        if (f.op == ws_opcode::ping) {
            o.to_server.push_back(ws_frame{ws_opcode::pong, f.payload, true});
            if (!forward_) return o;
        }
        o.to_client.push_back(std::move(f));
        return o;
    }
    rt::test::relay_out from_client(ws_frame f) override {
        rt::test::relay_out o;
        if (f.op != ws_opcode::pong) o.to_server.push_back(std::move(f));  // the relay answered already
        return o;
    }

private:
    bool forward_;
};

// Answers the client's ping frames itself, with an empty payload.
class heartbeat_empty_pong : public rt::test::relay_rule {
public:
    rt::test::relay_out from_client(ws_frame f) override {
        rt::test::relay_out o;
        if (f.op == ws_opcode::ping) o.to_client.push_back(ws_frame{ws_opcode::pong, "", true});
        else o.to_server.push_back(std::move(f));
        return o;
    }
};

}  // namespace

TEST_CASE("8.1 fails when the pong's timestamp went through a double (2^53 + 1 comes back as 2^53)") {
    heartbeat_require_broken("8.1", rt::test::rewrite_server_json([](json m) {
        if (m.value("type", "") == "pong" && m.contains("timestamp") && m["timestamp"].is_number_integer())
            m["timestamp"] = static_cast<std::int64_t>(m["timestamp"].get<double>());
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("8.2 fails when a ping without timestamp is answered with the server's clock") {
    heartbeat_require_broken("8.2", rt::test::rewrite_server_json([](json m) {
        if (m.value("type", "") == "pong" && m.value("timestamp", json(-1)) == 0)
            m["timestamp"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("8.3 fails when a ping frame is answered by a pong with an empty payload") {
    heartbeat_require_broken("8.3", [] { return std::make_unique<heartbeat_empty_pong>(); });
}

TEST_CASE("8.4 fails when the server never pings the client") {
    heartbeat_require_broken("8.4", [] { return std::make_unique<heartbeat_ping_keeper>(false); });
}

TEST_CASE("8.5 fails when a connection that answers no ping is never dropped", "[slow]") {
    heartbeat_require_broken("8.5", [] { return std::make_unique<heartbeat_ping_keeper>(true); });
}
