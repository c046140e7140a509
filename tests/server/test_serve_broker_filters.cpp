// rt serve --broker with set and prefix filters (issue 19 item 4 across nodes): the publishing
// node finds the registered set and pattern streams a row matches, so their subscribers on any
// node get the same events, numbered once in Redis, and resume on any node. Each test starts its
// own redis-server on a free port and its own nodes on port 0 (tests/support/redis_process.*).
#include "boards.hpp"
#include "server/redis_scripts.hpp"
#include "support/redis_process.hpp"

using namespace rt::test;

namespace {

rt_server bfilters_node(const redis_process& redis) { return boards_server({"--broker", redis.url()}); }

// An event's operation, row id and seq.
struct bfilters_event {
    std::string op, id;
    std::uint64_t seq = 0;
    bool operator==(const bfilters_event& o) const { return op == o.op && id == o.id && seq == o.seq; }
};

std::ostream& operator<<(std::ostream& os, const bfilters_event& e) { return os << e.op << " " << e.id << " #" << e.seq; }

bfilters_event bfilters_next(rt::client::sync_client& c) {
    json ev = next_of_type(c, "event");
    INFO(ev.dump());
    REQUIRE(ev.is_object());
    return {ev["operation"].get<std::string>(), ev["data"]["id"].get<std::string>(), ev["seq"].get<std::uint64_t>()};
}

// Once: nothing else queued for `c` after a ping round trip.
void bfilters_nothing_more(rt::client::sync_client& c) {
    REQUIRE(request(c, {{"id", "ping"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
    CHECK(c.pending() == 0);
}

const json k_set_filter = {{"status", {"todo", "doing"}}};
const json k_prefix_filter = {{"board", "team-a/*"}};

}  // namespace

TEST_CASE("broker: set and prefix subscribers on node B get exactly the matching changes made on node A, once, in seq order",
          "[broker][filter]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = bfilters_node(redis), b = bfilters_node(redis);
    auto pub = connect_ws(a.ws_url("token=tok-all"));
    boards_publisher put{*pub};
    put.seed();

    auto sets = connect_ws(b.ws_url("token=tok-all"));
    json s = subscribe(*sets, "Cards", k_set_filter);
    INFO(s.dump());
    REQUIRE(s["type"] == "subscribed");
    CHECK(boards_ids(s["initial"]) == std::vector<std::string>{"c1", "c3", "c4"});
    auto prefix = connect_ws(b.ws_url("token=tok-all"));
    json p = subscribe(*prefix, "Cards", k_prefix_filter);
    INFO(p.dump());
    REQUIRE(p["type"] == "subscribed");
    CHECK(boards_ids(p["initial"]) == std::vector<std::string>{"c1", "c2"});
    // The same prefix stream on node A: one numbering for both nodes.
    auto prefix_a = connect_ws(a.ws_url("token=tok-all"));
    json pa = subscribe(*prefix_a, "Cards", k_prefix_filter);
    REQUIRE(pa["type"] == "subscribed");
    CHECK(pa["epoch"] == p["epoch"]);
    // Both streams are registered by their key in Redis, until the stream TTL from now.
    CHECK(redis.cli({"ZCARD", "rt:patterns"}).find('2') != std::string::npos);

    put("update", {{"id", "c2"}, {"status", "doing"}});       // enters the set, stays in the prefix
    put("update", {{"id", "c1"}, {"status", "done"}});        // leaves the set
    put("update", {{"id", "c3"}, {"board", "team-a/three"}}); // enters the prefix
    put("update", {{"id", "c1"}, {"board", "team-b/one"}});   // leaves the prefix; not in the set
    put("insert", boards_card("c5", "team-a/four", "done"));  // the prefix only
    put("delete", {{"id", "c4"}});                            // the set only
    put("insert", boards_card("c6", "team-c/x", "done"));     // neither

    const std::vector<bfilters_event> want_set{{"insert", "c2", 1}, {"delete", "c1", 2}, {"update", "c3", 3}, {"delete", "c4", 4}};
    const std::vector<bfilters_event> want_prefix{{"update", "c2", 1}, {"update", "c1", 2}, {"insert", "c3", 3},
                                                  {"delete", "c1", 4}, {"insert", "c5", 5}};
    for (const auto& w : want_set) CHECK(bfilters_next(*sets) == w);
    for (const auto& w : want_prefix) CHECK(bfilters_next(*prefix) == w);
    for (const auto& w : want_prefix) CHECK(bfilters_next(*prefix_a) == w);
    bfilters_nothing_more(*sets);
    bfilters_nothing_more(*prefix);
    bfilters_nothing_more(*prefix_a);
}

TEST_CASE("broker: a set or prefix subscriber resumes on the other node with recovered true", "[broker][filter]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = bfilters_node(redis), b = bfilters_node(redis);
    auto pub = connect_ws(a.ws_url("token=tok-all"));
    int n = 0;
    auto put = [&](const json& row) {
        REQUIRE(publish(*pub, "Card", "insert", row, "p" + std::to_string(n++))["type"] == "published");
    };
    for (const json& filter : {k_set_filter, k_prefix_filter}) {
        INFO(filter.dump());
        const std::string tag = filter.contains("board") ? "p" : "s";
        auto first = connect_ws(b.ws_url("token=tok-all"));
        json s = subscribe(*first, "Cards", filter);
        REQUIRE(s["type"] == "subscribed");
        const std::string epoch = s["epoch"];
        put(boards_card(tag + "1", "team-a/1", "todo"));  // in both
        put(boards_card(tag + "2", "team-a/2", "doing"));
        REQUIRE(bfilters_next(*first).seq == 1);
        REQUIRE(bfilters_next(*first).seq == 2);
        first->close();
        put(boards_card(tag + "3", "team-a/3", "todo"));
        put(boards_card(tag + "x", "team-z/x", "done"));   // in neither
        put(boards_card(tag + "4", "team-a/4", "doing"));

        auto again = connect_ws(a.ws_url("token=tok-all"));
        json r = request(*again, {{"id", "resume"}, {"type", "subscribe"}, {"subscription", "Cards"}, {"filter", filter},
                                  {"since", {{"epoch", epoch}, {"seq", 2}}}});
        INFO(r.dump());
        REQUIRE(r["type"] == "subscribed");
        CHECK(r["recovered"] == true);
        CHECK(r["epoch"] == epoch);
        CHECK(r["seq"] == 4);
        CHECK(bfilters_next(*again) == bfilters_event{"insert", tag + "3", 3});
        CHECK(bfilters_next(*again) == bfilters_event{"insert", tag + "4", 4});
        put(boards_card(tag + "5", "team-a/5", "todo"));
        CHECK(bfilters_next(*again) == bfilters_event{"insert", tag + "5", 5});  // live follows replay
        bfilters_nothing_more(*again);
    }
}

TEST_CASE("broker: an expired pattern registration is pruned, and its stream opened again starts a new history",
          "[broker][filter]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = bfilters_node(redis), b = bfilters_node(redis);
    auto sub = connect_ws(b.ws_url("token=tok-all"));
    json s = subscribe(*sub, "Cards", k_prefix_filter);
    REQUIRE(s["type"] == "subscribed");
    sub->close();
    // Nobody refreshed it for the stream TTL: its registration expires (here: backdated).
    const std::string key = std::string("Cards\x1f") + k_prefix_filter.dump();
    REQUIRE_FALSE(redis.cli({"ZADD", "rt:patterns", "XX", "CH", "1", key}).empty());
    // The next registration prunes it; changes made meanwhile no longer reach that stream.
    auto other = connect_ws(a.ws_url("token=tok-all"));
    REQUIRE(subscribe(*other, "Cards", k_set_filter)["type"] == "subscribed");
    CHECK(redis.cli({"ZSCORE", "rt:patterns", key}).find_first_of("0123456789") == std::string::npos);
    // Without the registry's log, the next change gets the whole registry instead of what changed.
    REQUIRE(redis.cli({"DEL", "rt:reglog"}) == "1\n");
    auto pub = connect_ws(a.ws_url("token=tok-all"));
    REQUIRE(publish(*pub, "Card", "insert", boards_card("m1", "team-a/1", "todo"))["type"] == "published");
    REQUIRE(bfilters_next(*other).id == "m1");
    // So a resume of it cannot be trusted: opened again, it gets a new epoch and a snapshot.
    auto again = connect_ws(a.ws_url("token=tok-all"));
    json r = request(*again, {{"id", "resume"}, {"type", "subscribe"}, {"subscription", "Cards"}, {"filter", k_prefix_filter},
                              {"since", {{"epoch", s["epoch"]}, {"seq", 0}}}});
    INFO(r.dump());
    REQUIRE(r["type"] == "subscribed");
    CHECK(r["recovered"] == false);
    CHECK(r["epoch"] != s["epoch"]);
    CHECK(boards_ids(r["initial"]) == std::vector<std::string>{"m1"});
    REQUIRE(publish(*pub, "Card", "insert", boards_card("m2", "team-a/2", "done"), "m2")["type"] == "published");
    CHECK(bfilters_next(*again) == bfilters_event{"insert", "m2", 1});  // registered again: events flow
}

TEST_CASE("broker: a token pinned to board b1 cannot widen it with a pattern or a set on a broker node", "[broker][filter][rights]") {
    RT_REQUIRE_REDIS(redis);
    rt_server a = bfilters_node(redis);
    auto c = connect_ws(a.ws_url("token=tok-b1"));
    for (const json& filter : {json{{"board", "b*"}}, json{{"board", {"b1", "b2"}}}, json{{"board", "*"}}}) {
        INFO(filter.dump());
        json r = subscribe(*c, "Cards", filter);
        CHECK(r["type"] == "error");
        CHECK(r["code"] == "FORBIDDEN");
        CHECK(r["message"].get<std::string>().find("board") != std::string::npos);
    }
    CHECK(redis.cli({"ZCARD", "rt:patterns"}).find_first_of("123456789") == std::string::npos);  // nothing registered
    json narrow = subscribe(*c, "Cards", {{"board", {"b1"}}});  // a one-value set is its value
    CHECK(narrow["type"] == "subscribed");
    auto pub = connect_ws(a.ws_url("token=tok-all"));
    REQUIRE(publish(*pub, "Card", "insert", boards_card("k2", "b2", "todo"), "k2")["type"] == "published");
    REQUIRE(publish(*pub, "Card", "insert", boards_card("k1", "b1", "todo"), "k1")["type"] == "published");
    CHECK(bfilters_next(*c) == bfilters_event{"insert", "k1", 1});  // b1 only
}

TEST_CASE("broker: the touch script refreshes held pattern registrations, prunes expired ones and names the streams to reopen",
          "[broker][filter]") {
    RT_REQUIRE_REDIS(redis);
    for (const char* meta : {"rt:s:P1", "rt:s:P2", "rt:s:E1"}) REQUIRE(redis.cli({"HSET", meta, "epoch", "e", "top", "1"}) == "2\n");
    REQUIRE(redis.cli({"ZADD", "rt:patterns", "9999999999", "P1", "5", "OLD"}) == "2\n");
    // P1: held, registered; P2: held, its registration gone; E1: an equality stream; GONE: expired.
    std::string missing = redis.cli({"EVAL", rt::server::redis_scripts::touch, "0", "3600", "P1", "p", "P2", "p", "E1", "e", "GONE", "e"});
    CHECK(missing == "P2\nGONE\n");
    CHECK(redis.cli({"ZRANGE", "rt:patterns", "0", "-1"}) == "P1\n");  // OLD pruned
    CHECK(redis.cli({"GET", "rt:keysets:ver"}) == "1\n");                 // and the registry moved,
    CHECK(redis.cli({"XRANGE", "rt:reglog", "-", "+"}) == "1-1\nk\n-\nf\nOLD\n");  // logged as version 1
    const long long score = std::atoll(redis.cli({"ZSCORE", "rt:patterns", "P1"}).c_str());
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(score > now + 3500);  // refreshed to the TTL from now
    CHECK(score < now + 3700);
    CHECK(std::atoi(redis.cli({"TTL", "rt:s:P1"}).c_str()) > 3500);  // the stream keys too
    CHECK(std::atoi(redis.cli({"TTL", "rt:s:E1"}).c_str()) > 3500);
}
