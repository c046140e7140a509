// rt serve --broker: several nodes on one real redis-server (tests/support/redis_process.*). Each
// test starts its own Redis on a free port and its own nodes on port 0.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/redis_process.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

rt_server broker_node(const redis_process& redis, const std::string& spec = {}) {
    return rt_server({"--broker", redis.url()}, spec);
}
// A node that takes Redis (or another node) for dead after 1 s of silence instead of 3 s.
rt_server broker_quick_node(const std::string& url) { return rt_server({"--broker", url, "--broker-timeout", "1s"}); }

json broker_resubscribe(rt::client::sync_client& c, const std::string& sub, const json& filter, const json& since,
                        const std::string& id = "resume") {
    json m = {{"id", id}, {"type", "subscribe"}, {"subscription", sub}, {"since", since}};
    if (!filter.empty()) m["filter"] = filter;
    return request(c, m);
}

// The value of one metric line of GET /metrics ("" when absent).
std::string broker_metric(int port, const std::string& name) {
    auto body = http_request(port, "GET", "/metrics").body;
    auto at = body.find("\n" + name + " ");
    if (at == std::string::npos) return {};
    at += name.size() + 2;
    return body.substr(at, body.find('\n', at) - at);
}

// Polls (no event to wait on: the node reconnects on its own schedule) until `ok`, at most 10 s.
template <class F>
bool broker_eventually(F ok) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
        if (ok()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

const std::string k_json_ct = "Content-Type: application/json";

}  // namespace

TEST_CASE("broker: a publish on node A reaches a subscriber on node B once, and REST on B sees it", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_node(redis), b = broker_node(redis);
    auto sub = connect_ws(b.ws_url());
    REQUIRE(subscribe(*sub, "TaskUpdates", {{"board", "b1"}})["type"] == "subscribed");
    auto pub = connect_ws(a.ws_url());
    json reply = publish(*pub, "Task", "insert", task("t1", "todo", "b1"));
    REQUIRE(reply["type"] == "published");
    json ev = next_of_type(*sub, "event");
    REQUIRE(ev["seq"] == 1);
    CHECK(ev["operation"] == "insert");
    CHECK(ev["data"]["title"] == "task t1");
    // B applied it before delivering it: its REST read agrees.
    auto got = http_request(b.port(), "GET", "/api/Task/t1");
    CHECK(got.status == 200);
    CHECK(json::parse(got.body)["title"] == "task t1");
    // A REST change on B, an update that leaves the stream: B's subscriber sees the delete, A reads it.
    auto patched = http_request(b.port(), "PATCH", "/api/Task/t1", R"({"status":"done"})", {k_json_ct});
    REQUIRE(patched.status == 200);
    json ev2 = next_of_type(*sub, "event");
    CHECK(ev2["seq"] == 2);
    CHECK(ev2["operation"] == "delete");
    // A applies B's change on its own schedule (a few ms behind B): no event on A to wait for here.
    CHECK(broker_eventually([&] { return json::parse(http_request(a.port(), "GET", "/api/Task/t1").body)["status"] == "done"; }));
    // Once: nothing else is queued after a ping round trip.
    REQUIRE(request(*sub, {{"id", "p"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
    CHECK(sub->pending() == 0);
    CHECK(broker_metric(b.port(), "rt_broker_up") == "1");
}

TEST_CASE("broker: subscribers of a killed node resume on another node with recovered true", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_node(redis), b = broker_node(redis);
    const json filter = {{"board", "b7"}};
    auto sub = connect_ws(b.ws_url());
    json s = subscribe(*sub, "TaskUpdates", filter);
    REQUIRE(s["type"] == "subscribed");
    const std::string epoch = s["epoch"];
    auto pub = connect_ws(a.ws_url());
    for (int i = 0; i < 5; ++i)
        REQUIRE(publish(*pub, "Task", "insert", task("k" + std::to_string(i), "todo", "b7"), "p" + std::to_string(i))["type"] == "published");
    for (int want = 1; want <= 3; ++want) REQUIRE(next_of_type(*sub, "event")["seq"] == want);
    b.proc().signal(SIGKILL);  // mid-stream: events 4 and 5 were sent, maybe not read
    for (int i = 5; i < 8; ++i)
        REQUIRE(publish(*pub, "Task", "insert", task("k" + std::to_string(i), "todo", "b7"), "p" + std::to_string(i))["type"] == "published");
    auto again = connect_ws(a.ws_url());
    json r = broker_resubscribe(*again, "TaskUpdates", filter, {{"epoch", epoch}, {"seq", 3}});
    REQUIRE(r["type"] == "subscribed");
    CHECK(r["recovered"] == true);
    CHECK(r["epoch"] == epoch);
    CHECK(r["seq"] == 8);
    for (int want = 4; want <= 8; ++want) {
        json ev = next_of_type(*again, "event");
        REQUIRE(ev["seq"] == want);
        CHECK(ev["data"]["id"] == "k" + std::to_string(want - 1));
    }
    REQUIRE(publish(*pub, "Task", "insert", task("k8", "todo", "b7"), "p8")["type"] == "published");
    CHECK(next_of_type(*again, "event")["seq"] == 9);  // live follows replay: no hole, no duplicate
    CHECK(again->pending() == 0);
}

TEST_CASE("broker: two nodes racing updates on one row give every subscriber the same row and gap-free seqs", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    const std::string spec = std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec";
    rt_server a = broker_node(redis, spec), b = broker_node(redis, spec);
    const json filter = {{"id", "k1"}};
    auto sub_a = connect_ws(a.ws_url());
    auto sub_b = connect_ws(b.ws_url());
    REQUIRE(subscribe(*sub_a, "TicketDetail", filter)["type"] == "subscribed");
    REQUIRE(subscribe(*sub_b, "TicketDetail", filter)["type"] == "subscribed");
    auto pub_a = connect_ws(a.ws_url());
    auto pub_b = connect_ws(b.ws_url());
    json row = {{"id", "k1"}, {"subject", "printer"}, {"customer", "c1"}, {"status", "open"}, {"priority", "low"}, {"sla_hours", 0}};
    REQUIRE(publish(*pub_a, "Ticket", "insert", row)["type"] == "published");
    constexpr int k_each = 25;
    std::atomic<int> failures{0};
    std::mutex failed_mu;
    std::vector<std::string> failed;  // the replies that were not `published`
    auto race = [&](rt::client::sync_client& c, const std::string& field) {
        for (int i = 1; i <= k_each; ++i) {
            json data = {{"id", "k1"}};
            if (field == "sla_hours") data[field] = i;
            else data[field] = i % 2 ? "high" : "urgent";
            json m = {{"id", field + std::to_string(i)}, {"type", "publish"}, {"entity", "Ticket"}, {"operation", "update"}, {"data", data}};
            if (c.send_json(m)) { failures++; continue; }
            auto r = c.receive_until([&](const json& j) { return j.value("id", json()) == m["id"]; }, k_wait);
            if (!r || (*r)["type"] != "published") {
                failures++;
                std::lock_guard<std::mutex> lock(failed_mu);
                failed.push_back(r ? r->dump() : std::string("no reply"));
            }
        }
    };
    std::thread ta([&] { race(*pub_a, "sla_hours"); });
    std::thread tb([&] { race(*pub_b, "priority"); });
    ta.join();
    tb.join();
    INFO("failed: " << (failed.empty() ? std::string("none") : failed.front()));
    CHECK(failures == 0);
    json last_a, last_b;
    for (auto* s : {sub_a.get(), sub_b.get()}) {
        json last;
        for (int want = 1; want <= 1 + 2 * k_each; ++want) {
            json ev = next_of_type(*s, "event");
            REQUIRE(ev["seq"] == want);  // gap-free, in order, the same numbering on both nodes
            last = ev["data"];
        }
        (s == sub_a.get() ? last_a : last_b) = last;
    }
    CHECK(last_a == last_b);
    CHECK(last_a["sla_hours"] == k_each);
    CHECK(last_a["priority"] == "high");  // k_each is odd
    CHECK(json::parse(http_request(a.port(), "GET", "/api/Ticket/k1").body) == last_a);
    CHECK(json::parse(http_request(b.port(), "GET", "/api/Ticket/k1").body) == last_a);
}

TEST_CASE("broker: Redis stopped gives UNAVAILABLE and an unhealthy node, and acknowledged changes survive it", "[broker]") {
    if (redis_process::binary().empty()) {
        WARN("redis-server is not installed (apt-get install redis-server): --broker test skipped");
        return;
    }
    std::string dir = temp_path("broker-aof");
    REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
    redis_process redis(dir);  // AOF, appendfsync always
    rt_server a = broker_node(redis);
    auto pub = connect_ws(a.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("t1", "todo"))["type"] == "published");
    CHECK(http_request(a.port(), "GET", "/healthz").status == 200);

    redis.stop();
    REQUIRE(broker_eventually([&] { return http_request(a.port(), "GET", "/healthz").status == 503; }));
    CHECK(broker_metric(a.port(), "rt_broker_up") == "0");
    json refused = publish(*pub, "Task", "insert", task("t2", "todo"));
    CHECK(refused["type"] == "error");
    CHECK(refused["code"] == "UNAVAILABLE");
    auto rest = http_request(a.port(), "POST", "/api/Task", task("t3", "todo").dump(), {k_json_ct});
    CHECK(rest.status == 503);
    CHECK_THAT(rest.body, Catch::Contains("UNAVAILABLE"));

    redis.restart();
    REQUIRE(broker_eventually([&] { return http_request(a.port(), "GET", "/healthz").status == 200; }));
    CHECK(broker_metric(a.port(), "rt_broker_resyncs_total") == "0");  // the AOF kept the history
    CHECK(http_request(a.port(), "GET", "/api/Task/t1").status == 200);
    CHECK(http_request(a.port(), "GET", "/api/Task/t2").status == 404);
    rt_server b = broker_node(redis);  // a node started now reads the acknowledged row from Redis
    CHECK(http_request(b.port(), "GET", "/api/Task/t1").status == 200);
    CHECK(publish(*pub, "Task", "insert", task("t4", "todo"), "again")["type"] == "published");
}

TEST_CASE("broker: Redis restarted without its data gives the streams a new epoch and clients resync", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_node(redis);
    auto sub = connect_ws(a.ws_url());
    json s = subscribe(*sub, "TaskUpdates");
    REQUIRE(s["type"] == "subscribed");
    const std::string epoch = s["epoch"];
    auto pub = connect_ws(a.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("t1", "todo"))["type"] == "published");
    REQUIRE(next_of_type(*sub, "event")["seq"] == 1);

    redis.restart();  // no persistence: rows and history are gone
    REQUIRE(broker_eventually([&] { return broker_metric(a.port(), "rt_broker_resyncs_total") == "1"; }));
    CHECK(http_request(a.port(), "GET", "/api/Task/t1").status == 404);  // the replica follows Redis
    json again;
    REQUIRE(broker_eventually([&] {
        again = publish(*pub, "Task", "insert", task("t2", "todo"), "after");
        return again["type"] == "published";
    }));
    json ev = next_of_type(*sub, "event");
    REQUIRE(ev["type"] == "event");
    CHECK(ev["epoch"] != epoch);  // the subscriber sees the epoch change and resyncs
    auto late = connect_ws(a.ws_url());
    json r = broker_resubscribe(*late, "TaskUpdates", json::object(), {{"epoch", epoch}, {"seq", 1}});
    REQUIRE(r["type"] == "subscribed");
    CHECK(r["recovered"] == false);
    CHECK(r["epoch"] != epoch);
    REQUIRE(r["initial"].size() == 1);
    CHECK(r["initial"][0]["id"] == "t2");
}

TEST_CASE("broker: a bad --broker URL or an unreachable Redis stops rt serve at start with a clear message", "[broker]") {
    auto spec = kanban_spec_path();
    auto bad = run_rt({"serve", "--spec", spec, "--listen", "127.0.0.1:0", "--broker", "http://127.0.0.1:6379"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("--broker 'http://127.0.0.1:6379': the scheme must be redis://"));
    auto with_db = run_rt({"serve", "--spec", spec, "--listen", "127.0.0.1:0", "--broker", "redis://127.0.0.1:6379",
                           "--db", temp_path("broker.db")});
    CHECK(with_db.exit_code == 2);
    CHECK_THAT(with_db.err, Catch::Contains("--broker and --db exclude each other"));
    // Port 1 on loopback: nothing listens there.
    auto down = run_rt({"serve", "--spec", spec, "--listen", "127.0.0.1:0", "--broker", "redis://127.0.0.1:1"});
    CHECK(down.exit_code == 1);
    CHECK_THAT(down.err, Catch::Contains("--broker redis://127.0.0.1:1/0: cannot connect"));
}

namespace {
std::vector<std::string> broker_presence_ids(const json& p) {
    std::vector<std::string> out;
    for (const auto& u : p["users"]) out.push_back(u["id"]);
    return out;
}
// The next presence message whose user list is `want` (each wait bounded; 10 s in all).
bool broker_wait_users(rt::client::sync_client& c, const std::vector<std::string>& want) {
    for (int i = 0; i < 20; ++i) {
        json p = next_of_type(c, "presence", std::chrono::milliseconds(500));
        if (!p.is_null() && broker_presence_ids(p) == want) return true;
    }
    return false;
}
}  // namespace

TEST_CASE("broker: presence on node A lists a member connected to node B, and drops it when B dies", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_quick_node(redis.url()), b = broker_quick_node(redis.url());
    auto alice = connect_ws(a.ws_url("user=alice"));
    auto bob = connect_ws(b.ws_url("user=bob"));
    REQUIRE_FALSE(alice->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "board:1"}, {"meta", {{"color", "red"}}}}));
    REQUIRE(broker_wait_users(*alice, {"alice"}));
    REQUIRE_FALSE(bob->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "board:1"}}));
    CHECK(broker_wait_users(*alice, {"alice", "bob"}));
    CHECK(broker_wait_users(*bob, {"alice", "bob"}));  // and B sees A's member, with its meta
    b.proc().signal(SIGKILL);                          // B's heartbeat stops: its members go within ~1 s
    CHECK(broker_wait_users(*alice, {"alice"}));
}

TEST_CASE("broker: a subscribe waiting for its stream and the unsubscribe right behind it are answered in order", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_node(redis);
    auto c = connect_ws(a.ws_url());
    // Sent back to back: the stream is new, so the subscribe waits for Redis; the unsubscribe waits behind it.
    REQUIRE_FALSE(c->send_json({{"id", "s1"}, {"type", "subscribe"}, {"subscription", "TaskUpdates"}, {"filter", {{"board", "q1"}}}}));
    REQUIRE_FALSE(c->send_json({{"id", "u1"}, {"type", "unsubscribe"}, {"subscription", "TaskUpdates"}}));
    REQUIRE_FALSE(c->send_json({{"id", "s2"}, {"type", "subscribe"}, {"subscription", "TaskUpdates"}, {"filter", {{"board", "q2"}}}}));
    std::vector<std::string> order;
    for (int i = 0; i < 3; ++i) {
        auto r = c->receive_until([](const json& j) { return j.contains("id"); }, k_wait);
        REQUIRE(r);
        order.push_back((*r)["id"].get<std::string>() + ":" + (*r)["type"].get<std::string>());
    }
    CHECK(order == std::vector<std::string>{"s1:subscribed", "u1:unsubscribed", "s2:subscribed"});
    auto pub = connect_ws(a.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("x1", "todo", "q1"), "p1")["type"] == "published");
    REQUIRE(publish(*pub, "Task", "insert", task("x2", "todo", "q2"), "p2")["type"] == "published");
    json ev = next_of_type(*c, "event");
    CHECK(ev["data"]["board"] == "q2");  // only the stream it holds last
    REQUIRE(request(*c, {{"id", "p"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
    CHECK(c->pending() == 0);
}

TEST_CASE("broker: a node that stops cleanly takes its presence members with it at once", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = broker_node(redis), b = broker_node(redis);
    auto alice = connect_ws(a.ws_url("user=alice"));
    auto bob = connect_ws(b.ws_url("user=bob"));
    REQUIRE_FALSE(alice->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "doc:1"}}));
    REQUIRE(broker_wait_users(*alice, {"alice"}));
    REQUIRE_FALSE(bob->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "doc:1"}}));
    REQUIRE(broker_wait_users(*alice, {"alice", "bob"}));
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(b.stop() == 0);  // SIGTERM: bob's connection closes, its leave reaches Redis before B exits
    CHECK(broker_wait_users(*alice, {"alice"}));
    // Well under the 3 s heartbeat (--broker-timeout) that a killed node is dropped after.
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));
}

namespace {
// The port after `prefix` in a line of `text` (0 when absent).
int broker_port_after(const std::string& text, const std::string& prefix) {
    auto at = text.find(prefix);
    return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + prefix.size());
}
}  // namespace

TEST_CASE("broker: a node cut from Redis catches up from the change log once the cut heals", "[broker]") {
    RT_REQUIRE_REDIS(redis);
    // rt partition proxy between node C and Redis: blackholed through its control API.
    rt_process cut({"partition", "proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:" + std::to_string(redis.port()),
                    "--control", "127.0.0.1:0", "--duration", "60s"});
    REQUIRE(cut.wait_for_output("/faults", k_wait));
    const int cut_port = broker_port_after(cut.err(), "listening on 127.0.0.1:");
    const int control_port = broker_port_after(cut.err(), "control API on http://127.0.0.1:");
    REQUIRE(cut_port > 0);
    REQUIRE(control_port > 0);
    rt_server a = broker_node(redis);
    rt_server c = broker_quick_node("redis://127.0.0.1:" + std::to_string(cut_port));
    auto sub = connect_ws(c.ws_url());
    REQUIRE(subscribe(*sub, "TaskUpdates", {{"board", "b3"}})["type"] == "subscribed");
    auto pub = connect_ws(a.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("c0", "todo", "b3"), "c0")["type"] == "published");
    REQUIRE(next_of_type(*sub, "event")["seq"] == 1);

    // Cut: the open connections hear nothing, new ones are refused.
    REQUIRE(http_request(control_port, "POST", "/faults", "blackhole").status / 100 == 2);
    REQUIRE(http_request(control_port, "POST", "/faults", "refuse").status / 100 == 2);
    // C notices (no reply for --broker-timeout) and says so; its subscriber stays connected.
    REQUIRE(broker_eventually([&] { return http_request(c.port(), "GET", "/healthz").status == 503; }));
    for (int i = 1; i <= 3; ++i)  // A goes on while C hears nothing
        REQUIRE(publish(*pub, "Task", "insert", task("c" + std::to_string(i), "todo", "b3"), "c" + std::to_string(i))["type"] == "published");
    REQUIRE(http_request(control_port, "DELETE", "/faults").status / 100 == 2);
    for (int want = 2; want <= 4; ++want) {  // read from rt:log after the reconnect, in order
        json ev = next_of_type(*sub, "event");
        REQUIRE(ev["seq"] == want);
        CHECK(ev["data"]["id"] == "c" + std::to_string(want - 1));
    }
    CHECK(http_request(c.port(), "GET", "/healthz").status == 200);
    INFO("node C's log:\n" << c.proc().err() << "proxy's log:\n" << cut.err());
    CHECK(broker_metric(c.port(), "rt_broker_reconnects_total") != "0");
}
