// rt serve end to end: subscribe → snapshot → insert/update/delete-on-leave, by-id, filters, REST.
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {
const std::string k_json = "Content-Type: application/json";  // REST mutations need it
}  // namespace

TEST_CASE("subscribe gets the snapshot, then insert, update and delete-on-leave", "[serve]") {
    rt_server srv;
    auto pub = connect_ws(srv.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("t1", "todo"))["type"] == "published");
    REQUIRE(publish(*pub, "Task", "insert", task("t2", "done"), "p2")["type"] == "published");

    auto sub = connect_ws(srv.ws_url());
    json s = subscribe(*sub, "TaskUpdates");
    REQUIRE(s["type"] == "subscribed");
    CHECK(s["recovered"] == false);
    REQUIRE(s["initial"].size() == 1);  // t2 is done: not in ActiveTasks
    CHECK(s["initial"][0]["id"] == "t1");
    CHECK(s["seq"].get<std::uint64_t>() == 0);

    publish(*pub, "Task", "insert", task("t3", "doing"), "p3");
    json ev = next_of_type(*sub, "event");
    CHECK(ev["operation"] == "insert");
    CHECK(ev["data"]["id"] == "t3");
    CHECK(ev["seq"] == 1);
    CHECK(ev["epoch"] == s["epoch"]);

    publish(*pub, "Task", "update", {{"id", "t3"}, {"title", "renamed"}}, "p4");
    ev = next_of_type(*sub, "event");
    CHECK(ev["operation"] == "update");
    CHECK(ev["data"]["title"] == "renamed");
    CHECK(ev["data"]["status"] == "doing");  // update is a merge
    CHECK(ev["seq"] == 2);

    publish(*pub, "Task", "update", {{"id", "t3"}, {"status", "done"}}, "p5");
    ev = next_of_type(*sub, "event");
    CHECK(ev["operation"] == "delete");  // left the view
    CHECK(ev["data"]["id"] == "t3");
    CHECK(ev["seq"] == 3);

    publish(*pub, "Task", "update", {{"id", "t2"}, {"title", "still done"}}, "p6");  // never in the view
    publish(*pub, "Task", "delete", {{"id", "t1"}}, "p7");
    ev = next_of_type(*sub, "event");
    CHECK(ev["operation"] == "delete");
    CHECK(ev["data"]["id"] == "t1");
    CHECK(ev["seq"] == 4);  // the update of t2 emitted nothing
}

TEST_CASE("publish assigns ids and replies with the stored row", "[serve]") {
    rt_server srv;
    auto c = connect_ws(srv.ws_url());
    json r = publish(*c, "Task", "insert", {{"title", "no id"}, {"status", "todo"}, {"priority", 2}, {"board", "b1"}});
    REQUIRE(r["type"] == "published");
    CHECK(r["data"]["id"].is_string());
    CHECK_FALSE(r["data"]["id"].get<std::string>().empty());
    json bad = publish(*c, "Task", "insert", {{"title", "x"}, {"status", "later"}}, "bad");
    CHECK(bad["type"] == "error");
    CHECK(bad["code"] == "BAD_REQUEST");
    CHECK_THAT(bad["message"].get<std::string>(), Catch::Contains("status"));
    json missing = publish(*c, "Task", "update", {{"id", "nope"}, {"title", "x"}}, "m");
    CHECK(missing["code"] == "NOT_FOUND");
    json dup = publish(*c, "Task", "insert", {{"id", r["data"]["id"]}, {"title", "again"}}, "d");
    CHECK(dup["code"] == "BAD_REQUEST");
    json unknown = publish(*c, "Nope", "insert", json::object(), "u");
    CHECK(unknown["code"] == "BAD_REQUEST");
}

TEST_CASE("Task by id delivers only that record and requires an id filter", "[serve]") {
    rt_server srv;
    auto pub = connect_ws(srv.ws_url());
    publish(*pub, "Task", "insert", task("t1", "todo"));
    publish(*pub, "Task", "insert", task("t2", "todo"), "p2");
    auto sub = connect_ws(srv.ws_url());
    json noid = subscribe(*sub, "TaskDetail", json::object(), "noid");
    CHECK(noid["type"] == "error");
    CHECK(noid["code"] == "INVALID_FILTER");
    json s = subscribe(*sub, "TaskDetail", {{"id", "t2"}});
    REQUIRE(s["type"] == "subscribed");
    REQUIRE(s["initial"].size() == 1);
    CHECK(s["initial"][0]["id"] == "t2");
    publish(*pub, "Task", "update", {{"id", "t1"}, {"title", "other"}}, "p3");
    publish(*pub, "Task", "update", {{"id", "t2"}, {"status", "done"}}, "p4");
    json ev = next_of_type(*sub, "event");
    CHECK(ev["data"]["id"] == "t2");  // t1's update never arrives first
    CHECK(ev["operation"] == "update");  // by-id has no predicate: done is still in
    CHECK(ev["data"]["status"] == "done");
}

TEST_CASE("filters select a board, a task moving boards leaves one stream and enters another", "[serve]") {
    rt_server srv;
    auto pub = connect_ws(srv.ws_url());
    auto b1 = connect_ws(srv.ws_url());
    auto b2 = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*b1, "TaskUpdates", {{"board", "b1"}})["type"] == "subscribed");
    REQUIRE(subscribe(*b2, "TaskUpdates", {{"board", "b2"}})["type"] == "subscribed");
    json bad = subscribe(*b2, "TaskUpdates", {{"priority", "high"}}, "bad");
    CHECK(bad["code"] == "INVALID_FILTER");
    json unknown = subscribe(*b2, "TaskUpdates", {{"colour", "red"}}, "bad2");
    CHECK(unknown["code"] == "INVALID_FILTER");

    publish(*pub, "Task", "insert", task("t1", "todo", "b1"));
    publish(*pub, "Task", "update", {{"id", "t1"}, {"board", "b2"}}, "p2");
    json e1 = next_of_type(*b1, "event");
    CHECK(e1["operation"] == "insert");
    json e2 = next_of_type(*b1, "event");
    CHECK(e2["operation"] == "delete");
    CHECK(e2["seq"] == 2);
    json f1 = next_of_type(*b2, "event");
    CHECK(f1["operation"] == "insert");
    CHECK(f1["data"]["board"] == "b2");
    CHECK(f1["seq"] == 1);  // each stream counts on its own
    CHECK(b2->pending() == 0);
}

TEST_CASE("REST mutations produce events and validate input", "[serve][rest]") {
    rt_server srv;
    auto sub = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*sub, "AllTasks")["type"] == "subscribed");
    auto created = http_request(srv.port(), "POST", "/api/Task", task("r1", "todo").dump(), {k_json});
    REQUIRE(created.status == 201);
    CHECK(json::parse(created.body)["id"] == "r1");
    json ev = next_of_type(*sub, "event");
    CHECK(ev["operation"] == "insert");
    CHECK(ev["data"]["id"] == "r1");

    auto patched = http_request(srv.port(), "PATCH", "/api/Task/r1", R"({"priority":5})", {k_json});
    REQUIRE(patched.status == 200);
    CHECK(json::parse(patched.body)["priority"] == 5);
    CHECK(next_of_type(*sub, "event")["operation"] == "update");

    auto got = http_request(srv.port(), "GET", "/api/Task/r1");
    CHECK(got.status == 200);
    CHECK(json::parse(got.body)["priority"] == 5);
    auto list = http_request(srv.port(), "GET", "/api/Task");
    CHECK(json::parse(list.body).size() == 1);

    auto bad_type = http_request(srv.port(), "POST", "/api/Task", R"({"title":"x","priority":"high"})", {k_json});
    CHECK(bad_type.status == 400);
    CHECK(json::parse(bad_type.body)["field"] == "priority");
    auto bad_json = http_request(srv.port(), "POST", "/api/Task", "{oops", {k_json});
    CHECK(bad_json.status == 400);
    CHECK_THAT(bad_json.body, Catch::Contains("not valid JSON"));
    CHECK(http_request(srv.port(), "GET", "/api/Nope").status == 404);
    CHECK(http_request(srv.port(), "GET", "/api/Task/missing").status == 404);

    auto deleted = http_request(srv.port(), "DELETE", "/api/Task/r1");
    CHECK(deleted.status == 200);
    CHECK(next_of_type(*sub, "event")["operation"] == "delete");
    CHECK(http_request(srv.port(), "GET", "/api/Task/r1").status == 404);

    CHECK(http_request(srv.port(), "GET", "/healthz").status == 200);
    auto metrics = http_request(srv.port(), "GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK_THAT(metrics.body, Catch::Contains("rt_mutations_total 3"));
    CHECK_THAT(metrics.body, Catch::Contains("rt_subscriptions{subscription=\"AllTasks\"} 1"));
}

TEST_CASE("unsubscribe stops events, ping gets pong", "[serve]") {
    rt_server srv;
    auto pub = connect_ws(srv.ws_url());
    auto sub = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*sub, "AllTasks")["type"] == "subscribed");
    json u = request(*sub, {{"id", "u"}, {"type", "unsubscribe"}, {"subscription", "AllTasks"}});
    CHECK(u["type"] == "unsubscribed");
    publish(*pub, "Task", "insert", task("t1", "todo"));
    json pong = request(*sub, {{"id", "ping"}, {"type", "ping"}, {"timestamp", 123}});
    CHECK(pong["type"] == "pong");
    CHECK(pong["timestamp"] == 123);
    CHECK(sub->pending() == 0);  // no event arrived before the pong
    json unk = request(*sub, {{"id", "x"}, {"type", "subscribe"}, {"subscription", "Nope"}});
    CHECK(unk["code"] == "UNKNOWN_SUBSCRIPTION");
}
