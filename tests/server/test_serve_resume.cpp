// Delivery guarantees: stream offsets, resume with replay, resync, durable history.
#include <signal.h>

#include <thread>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

json subscribe_since(rt::client::sync_client& c, const std::string& sub, const json& filter, const std::string& epoch,
                     std::uint64_t seq, const std::string& id = "resume") {
    json m = {{"id", id}, {"type", "subscribe"}, {"subscription", sub}, {"since", {{"epoch", epoch}, {"seq", seq}}}};
    if (!filter.empty()) m["filter"] = filter;
    return request(c, m);
}

// Publishes tasks t<from>..t<to-1> as inserts.
void insert_tasks(rt::client::sync_client& pub, int from, int to, const std::string& board = "b1") {
    for (int i = from; i < to; ++i)
        REQUIRE(publish(pub, "Task", "insert", task("t" + std::to_string(i), "todo", board), "p" + std::to_string(i))["type"] ==
                "published");
}

}  // namespace

TEST_CASE("resume inside the window replays exactly the missed events, in order", "[resume]") {
    for (json filter : {json::object(), json{{"board", "b1"}}}) {
        INFO("filter " << filter.dump());
        rt_server srv;
        auto pub = connect_ws(srv.ws_url());
        std::string epoch;
        {
            auto sub = connect_ws(srv.ws_url());
            json s = subscribe(*sub, "TaskUpdates", filter);
            REQUIRE(s["type"] == "subscribed");
            epoch = s["epoch"];
            insert_tasks(*pub, 0, 3);
            for (int i = 1; i <= 3; ++i) REQUIRE(next_of_type(*sub, "event")["seq"] == i);
        }  // disconnect after seq 3
        insert_tasks(*pub, 3, 8);
        insert_tasks(*pub, 100, 103, "b2");  // other board: not in the filtered stream
        auto sub = connect_ws(srv.ws_url());
        json s = subscribe_since(*sub, "TaskUpdates", filter, epoch, 3);
        REQUIRE(s["type"] == "subscribed");
        CHECK(s["recovered"] == true);
        CHECK_FALSE(s.contains("initial"));
        std::uint64_t top = s["seq"];
        CHECK(top == (filter.empty() ? 11u : 8u));
        for (std::uint64_t want = 4; want <= top; ++want) {
            json ev = next_of_type(*sub, "event");
            REQUIRE(ev["seq"] == want);
            if (!filter.empty()) CHECK(ev["data"]["board"] == "b1");
        }
        insert_tasks(*pub, 8, 9);
        json live = next_of_type(*sub, "event");
        CHECK(live["seq"] == top + 1);  // no duplicate, no hole between replay and live
        CHECK(sub->pending() == 0);
    }
}

TEST_CASE("two filters that differ only in key order are one stream", "[resume]") {
    rt_server srv;
    auto a = connect_ws(srv.ws_url());
    auto b = connect_ws(srv.ws_url());
    json sa = request(*a, json::parse(R"({"id":1,"type":"subscribe","subscription":"TaskUpdates","filter":{"board":"b1","priority":2}})"));
    json sb = request(*b, json::parse(R"({"id":1,"type":"subscribe","subscription":"TaskUpdates","filter":{"priority":2,"board":"b1"}})"));
    REQUIRE(sa["type"] == "subscribed");
    CHECK(sa["epoch"] == sb["epoch"]);
    auto pub = connect_ws(srv.ws_url());
    publish(*pub, "Task", "insert", task("t1", "todo", "b1", 2));
    json ea = next_of_type(*a, "event");
    json eb = next_of_type(*b, "event");
    CHECK(ea == eb);
    auto m = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(m.body, Catch::Contains("rt_streams 1"));
}

TEST_CASE("resume after more events than the buffer holds resyncs from a snapshot", "[resume]") {
    rt_server srv({"--replay-events", "10"});
    auto pub = connect_ws(srv.ws_url());
    auto keep = connect_ws(srv.ws_url());
    json s = subscribe(*keep, "AllTasks");
    insert_tasks(*pub, 0, 25);
    auto sub = connect_ws(srv.ws_url());
    json r = subscribe_since(*sub, "AllTasks", {}, s["epoch"], 2);
    CHECK(r["recovered"] == false);
    CHECK(r["initial"].size() == 25);
    CHECK(r["seq"] == 25);
    // Inside the buffer still recovers.
    auto sub2 = connect_ws(srv.ws_url());
    json r2 = subscribe_since(*sub2, "AllTasks", {}, s["epoch"], 20);
    CHECK(r2["recovered"] == true);
    CHECK(next_of_type(*sub2, "event")["seq"] == 21);
}

TEST_CASE("resume after the age limit resyncs, an idle stream still recovers a client that missed nothing",
          "[resume]") {
    rt_server srv({"--replay-age", "300ms"});
    auto pub = connect_ws(srv.ws_url());
    auto keep = connect_ws(srv.ws_url());  // keeps the stream alive while the buffer ages
    json s = subscribe(*keep, "AllTasks");
    insert_tasks(*pub, 0, 3);
    for (int i = 1; i <= 3; ++i) REQUIRE(next_of_type(*keep, "event")["seq"] == i);
    // Waiting is the point here: the events must age past 300 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    auto late = connect_ws(srv.ws_url());
    json r = subscribe_since(*late, "AllTasks", {}, s["epoch"], 1);
    CHECK(r["recovered"] == false);
    CHECK(r["initial"].size() == 3);
    auto uptodate = connect_ws(srv.ws_url());
    json r2 = subscribe_since(*uptodate, "AllTasks", {}, s["epoch"], 3);
    CHECK(r2["recovered"] == true);
    CHECK(r2["seq"] == 3);
}

TEST_CASE("a foreign epoch or a seq from the future resyncs", "[resume]") {
    rt_server srv;
    auto pub = connect_ws(srv.ws_url());
    auto c = connect_ws(srv.ws_url());
    json s = subscribe(*c, "AllTasks");
    insert_tasks(*pub, 0, 2);
    auto d = connect_ws(srv.ws_url());
    json r = subscribe_since(*d, "AllTasks", {}, "not-the-epoch", 1);
    CHECK(r["recovered"] == false);
    CHECK(r["initial"].size() == 2);
    CHECK(r["epoch"] == s["epoch"]);
    json f = subscribe_since(*d, "AllTasks", {}, s["epoch"], 99, "future");
    CHECK(f["recovered"] == false);
}

TEST_CASE("with --db a client resumes across a restart, without it, it resyncs", "[resume][durable]") {
    std::string db = temp_path("resume.db");
    std::string epoch;
    {
        rt_server srv({"--db", db});
        auto pub = connect_ws(srv.ws_url());
        {
            auto sub = connect_ws(srv.ws_url());
            json s = subscribe(*sub, "TaskUpdates", {{"board", "b1"}});
            epoch = s["epoch"];
            insert_tasks(*pub, 0, 2);
            REQUIRE(next_of_type(*sub, "event")["seq"] == 1);
            REQUIRE(next_of_type(*sub, "event")["seq"] == 2);
        }
        insert_tasks(*pub, 2, 4);  // missed while disconnected
        REQUIRE(srv.stop() == 0);
    }
    {
        rt_server srv({"--db", db});
        auto sub = connect_ws(srv.ws_url());
        json r = subscribe_since(*sub, "TaskUpdates", {{"board", "b1"}}, epoch, 2);
        CHECK(r["recovered"] == true);
        CHECK(r["epoch"] == epoch);
        json e3 = next_of_type(*sub, "event");
        json e4 = next_of_type(*sub, "event");
        CHECK(e3["seq"] == 3);
        CHECK(e3["data"]["id"] == "t2");
        CHECK(e4["seq"] == 4);
        // Rows survived too.
        CHECK(http_request(srv.port(), "GET", "/api/Task/t3").status == 200);
        auto pub = connect_ws(srv.ws_url());
        insert_tasks(*pub, 4, 5);
        CHECK(next_of_type(*sub, "event")["seq"] == 5);
    }
    {
        rt_server srv;  // in-memory: history is gone
        auto sub = connect_ws(srv.ws_url());
        json r = subscribe_since(*sub, "TaskUpdates", {{"board", "b1"}}, epoch, 2);
        CHECK(r["recovered"] == false);
        CHECK(r["epoch"] != epoch);
    }
}
