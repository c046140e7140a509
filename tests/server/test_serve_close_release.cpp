// A connection's socket is released when the connection closes, even while websocketpp still holds
// the connection for a ping that was never answered: rt_connections and the real socket count agree.
#include <catch2/catch.hpp>


#include "support/proc_stats.hpp"
#include "support/raw_ws_client.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

TEST_CASE("a peer that closes with a ping unanswered leaves no socket behind", "[serve][lifecycle]") {
    // A long pong timeout: a socket kept until its pong timer fires would still be open when checked.
    rt_server srv({"--ping-interval", "5s", "--pong-timeout", "4900ms"});
    const int idle_fds = open_fds(srv.proc().pid());
    REQUIRE(idle_fds > 0);
    auto peer = raw_ws_client::connect(srv.port(), "/live");
    REQUIRE(peer);
    // The server pings every connection once per interval; this peer never answers, it closes.
    REQUIRE(peer->read_payload(raw_ws_client::opcode::ping, 6s));
    REQUIRE(peer->send_frame(raw_ws_client::opcode::close, std::string("\x03\xe8", 2)));  // 1000
    REQUIRE(peer->read_until_close(2s) == 1000);
    peer.reset();

    // Bounded wait (well under the pong timeout) for the server to let go of the socket.
    const held_sockets held = wait_released(srv.proc().pid(), srv.port(), idle_fds, 2s);
    INFO("idle fds " << idle_fds << ", now " << held.fds << "; rt_connections " << held.connections);
    CHECK(held.connections == 0);
    CHECK(held.fds == idle_fds);
    // It closed; it did not time out.
    CHECK(metric_value(srv.port(), "rt_heartbeat_timeouts_total") == 0);
}
