// Hostile clients against the output limit and the message rate (issue 12, findings 3, 4 and the
// violation decay of 8): every frame queued for a connection — events, replies, snapshots, pongs —
// counts against its output limit, every client message (WebSocket pings included) against its
// rate limit, and rate-limit violations decay. Each attack runs against a real `rt serve`, with
// a raw-socket client that never reads (tests/support/raw_ws_client.hpp).
#include <fstream>
#include <thread>

#include "server/helpdesk.hpp"
#include "support/raw_ws_client.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

// The value of an unlabelled counter in /metrics (dev mode: no token needed), or -1.
long obuf_metric(int port, const std::string& name) {
    auto r = http_request(port, "GET", "/metrics");
    auto at = r.body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stol(r.body.substr(at + name.size() + 2));
}

// Inserts `rows` tickets of `subject_bytes` each, so AllTickets' snapshot is about their product.
void obuf_fill_tickets(rt::client::sync_client& c, int rows, std::size_t subject_bytes) {
    const std::string subject(subject_bytes, 's');
    for (int i = 0; i < rows; ++i) {
        json r = publish(c, "Ticket", "insert", ticket("t" + std::to_string(i), i % 2 ? "A" : "B", subject), "fill");
        REQUIRE(r.value("type", "") == "published");
    }
}

constexpr auto obuf_close_wait = std::chrono::seconds(20);  // the close may wait behind MBs of queued pongs/snapshots

}  // namespace

TEST_CASE("a WebSocket ping flood from a client that never reads is closed 1008 and server memory stays bounded",
          "[hostile][ping]") {
    rt_server srv({"--rate-limit", "100", "--rate-burst", "200"});
    const int pid = srv.proc().pid();
    auto flooder = raw_ws_client::connect(srv.port(), "/live");
    REQUIRE(flooder);
    const long before = rt::test::rss_kib(pid);
    long peak = before;
    // 125 bytes: the largest ping, so every pong is as big as it gets. Bounded by time, count and
    // memory, so a server without the limit fails the test without eating the machine.
    const std::string payload(125, 'p');
    constexpr long rss_give_up_kib = 300 * 1024;
    const auto stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    long sent = 0;
    while (std::chrono::steady_clock::now() < stop_at && sent < 2'000'000) {
        if (!flooder->send_frame(raw_ws_client::opcode::ping, payload, std::chrono::milliseconds(200))) break;
        if (++sent % 2000 == 0) {
            peak = std::max(peak, rt::test::rss_kib(pid));
            if (peak - before > rss_give_up_kib) break;
        }
    }
    peak = std::max(peak, rt::test::rss_kib(pid));
    INFO("pings sent " << sent << ", server RSS before " << before << " KiB, peak " << peak << " KiB");
    CHECK(peak - before < 32 * 1024);
    // Closed with 1008; the client may see a reset instead (1006): the server closes while
    // unread pings sit in its receive buffer, and the reset discards the pongs and the close frame
    // before it (docs/protocol.md, close code 1008). The counter says which close it was.
    const auto code = flooder->read_until_close(obuf_close_wait);
    CHECK((code == std::optional<int>(1008) || code == std::optional<int>(1006)));
    CHECK(obuf_metric(srv.port(), "rt_abuse_disconnects_total") == 1);
}

TEST_CASE("a non-reader re-requesting a big snapshot is closed at the hard limit, and a healthy subscriber keeps every event",
          "[hostile][snapshot]") {
    const rt::test::rss_bounded_servers asan_quarantine_off;  // its RSS bound holds under ASan too
    // Helpdesk spec: 300 tickets of 2 KB; team A's open ones make a ~310 KB snapshot, and the
    // hard limit (4 MiB) holds about thirteen of them. The events below touch team B only, so
    // only the replies can fill the flooder's queue. The rate limit is high so that only the
    // output limit can stop the flood.
    rt_server srv({"--slow-soft", "1MiB", "--slow-hard", "4MiB", "--rate-limit", "10000", "--rate-burst", "10000"},
                  rights_helpdesk_spec());
    const int pid = srv.proc().pid();
    auto pub = connect_ws(srv.ws_url());
    obuf_fill_tickets(*pub, 300, 2000);
    auto healthy = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*healthy, "AllTickets")["type"] == "subscribed");

    auto flooder = raw_ws_client::connect(srv.port(), "/live");
    REQUIRE(flooder);
    const long received_before = obuf_metric(srv.port(), "rt_messages_received_total");
    const long before = rt::test::rss_kib(pid);
    long peak = before;
    constexpr int resubscribes = 300;  // 300 × 310 KB = 93 MB if nothing stops it
    int sent = 0;
    for (; sent < resubscribes; ++sent) {
        if (!flooder->send_frame(raw_ws_client::opcode::text,
                                 R"({"id":)" + std::to_string(sent) +
                                     R"(,"type":"subscribe","subscription":"TeamOpen","filter":{"team":"A"}})",
                                 std::chrono::milliseconds(500)))
            break;
        if (sent % 20 == 0) peak = std::max(peak, rt::test::rss_kib(pid));
    }
    // Events while the flooder's snapshots sit in the server: the healthy client gets each one.
    constexpr int events = 50;
    for (int i = 0; i < events; ++i) {
        json r = publish(*pub, "Ticket", "update", {{"id", "t0"}, {"priority", i}}, "upd");
        REQUIRE(r.value("type", "") == "published");
        peak = std::max(peak, rt::test::rss_kib(pid));
    }
    // Until the server has read every subscribe, or closed the flooder (then it reads no more).
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until &&
           obuf_metric(srv.port(), "rt_messages_received_total") < received_before + sent + events &&
           obuf_metric(srv.port(), "rt_slow_consumer_disconnects_total") < 1) {
        peak = std::max(peak, rt::test::rss_kib(pid));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a sampling period
    }
    peak = std::max(peak, rt::test::rss_kib(pid));
    int received = 0;
    for (int i = 0; i < events; ++i) {
        json e = next_of_type(*healthy, "event");
        if (e.is_null()) break;
        CHECK(e["data"]["priority"] == i);
        ++received;
    }
    INFO("subscribes sent " << sent << ", server RSS before " << before << " KiB, peak " << peak << " KiB");
    CHECK(received == events);
    CHECK(peak - before < 40 * 1024);
    const auto code = flooder->read_until_close(obuf_close_wait);
    CHECK((code == std::optional<int>(1008) || code == std::optional<int>(1006)));  // 1006: see the ping flood test
    CHECK(obuf_metric(srv.port(), "rt_slow_consumer_disconnects_total") == 1);
}

TEST_CASE("a snapshot bigger than the whole output limit is refused with TOO_LARGE and the connection goes on",
          "[hostile][snapshot]") {
    rt_server srv({"--slow-soft", "128KiB", "--slow-hard", "256KiB"}, rights_helpdesk_spec());
    auto c = connect_ws(srv.ws_url());
    obuf_fill_tickets(*c, 150, 2000);  // ~310 KB snapshot
    json r = subscribe(*c, "AllTickets");
    CHECK(r.value("type", "") == "error");
    CHECK(r.value("code", "") == "TOO_LARGE");
    // A narrower subscription still works, and it alone receives events.
    json one = subscribe(*c, "TicketDetail", {{"id", "t1"}}, "one");
    REQUIRE(one.value("type", "") == "subscribed");
    CHECK(one["initial"].size() == 1);
    REQUIRE(publish(*c, "Ticket", "update", {{"id", "t1"}, {"priority", 9}})["type"] == "published");
    json e = next_of_type(*c, "event");
    CHECK(e.value("subscription", "") == "TicketDetail");
    CHECK(request(*c, {{"id", "p"}, {"type", "ping"}})["type"] == "pong");
}

TEST_CASE("rate-limit violations decay: occasional bursts are not closed but the same bursts without decay are",
          "[hostile][rate][slow]") {
    // 10 messages/s, bursts of 10, close after 5 violations. Each burst is 13 messages: 3 over the
    // limit. Bursts 1.2 s apart: with a 500 ms half-life the count halves twice between bursts
    // (3 → 0), so it never reaches 5; without decay it does at the second burst.
    auto run_bursts = [](const std::string& decay, int bursts) -> std::optional<int> {
        rt_server srv({"--rate-limit", "10", "--rate-burst", "10", "--abuse-close-after", "5", "--abuse-decay", decay});
        auto c = raw_ws_client::connect(srv.port(), "/live", 1 << 20);
        REQUIRE(c);
        for (int b = 0; b < bursts; ++b) {
            if (b > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the workload's pace, not a wait for an event
            for (int i = 0; i < 13; ++i)
                if (!c->send_frame(raw_ws_client::opcode::text, R"({"type":"ping","id":)" + std::to_string(i) + "}"))
                    return 1006;
            int limited = 0;
            for (int i = 0; i < 13; ++i) {
                auto t = c->read_text(k_wait);
                if (!t) return c->read_until_close(std::chrono::seconds(2));
                if (json::parse(*t).value("code", "") == "RATE_LIMITED") ++limited;
            }
            INFO("burst " << b << ": " << limited << " refused");
            CHECK(limited >= 2);
        }
        // Still open: one more ping, a second later, is answered.
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        if (!c->send_frame(raw_ws_client::opcode::text, R"({"type":"ping","id":"last"})")) return 1006;
        auto t = c->read_text(k_wait);
        if (!t) return c->read_until_close(std::chrono::seconds(2));
        CHECK(json::parse(*t).value("type", "") == "pong");
        return std::nullopt;
    };
    CHECK(run_bursts("500ms", 5).value_or(0) == 0);
    CHECK(run_bursts("0s", 5).value_or(0) == 1008);
}
