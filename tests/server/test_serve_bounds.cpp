// Bounded resources (issue 12, findings 5-7): the filter size and the idle-stream caps (memory and
// the database file stay bounded while clients cycle filters), REST list paging and what a client
// that never reads its response can pin, and the presence limits (resources per connection, meta
// size, users listed per message).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "server/helpdesk.hpp"
#include "support/proc_stats.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

// The database file with its write-ahead log: what the disk holds for it.
long bounds_db_bytes(const std::string& path) {
    long total = 0;
    for (const std::string& p : {path, path + "-wal"}) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) total += static_cast<long>(st.st_size);
    }
    return total;
}

// Sends `n` subscribes to `sub` at once, the i-th with the filter {attr: value_of(i)}, then waits
// for the reply to the last one. Returns how many replies were `subscribed`.
template <typename F>
int bounds_cycle_filters(rt::client::sync_client& c, const std::string& sub, const std::string& attr, int n, F value_of) {
    for (int i = 0; i < n; ++i)
        REQUIRE_FALSE(c.send_json({{"id", i}, {"type", "subscribe"}, {"subscription", sub}, {"filter", {{attr, value_of(i)}}}}));
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        auto r = c.receive_until([&](const json& j) { return j.contains("id") && j["id"] == i; }, k_wait);
        REQUIRE(r);
        if ((*r)["type"] == "subscribed") ++ok;
    }
    return ok;
}

// A raw HTTP client that sends one request and never reads: the response stays in the server
// (and the kernel buffers, kept small here).
struct bounds_stalled_http {
    int fd = -1;
    bounds_stalled_http(int port, const std::string& path) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int small = 4096;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    }
    ~bounds_stalled_http() { ::close(fd); }
    bounds_stalled_http(const bounds_stalled_http&) = delete;
    bounds_stalled_http& operator=(const bounds_stalled_http&) = delete;
};

std::string bounds_header(const std::string& headers, const std::string& name) {
    std::string lower = headers;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string key = "\r\n" + name + ":";
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto at = lower.find(key);
    if (at == std::string::npos) return {};
    auto start = headers.find_first_not_of(' ', at + key.size());
    return headers.substr(start, headers.find("\r\n", start) - start);
}

// "</api/Ticket?limit=100&after=T0100>; rel=\"next\"" → "/api/Ticket?limit=100&after=T0100"
std::string bounds_next_link(const std::string& link) {
    if (link.empty() || link.front() != '<' || link.find("rel=\"next\"") == std::string::npos) return {};
    return link.substr(1, link.find('>') - 1);
}

json bounds_presence(rt::client::sync_client& c, const std::string& id, const std::string& action, const std::string& resource,
                     const json& meta = json::object()) {
    REQUIRE_FALSE(c.send_json({{"id", id}, {"type", "presence"}, {"action", action}, {"resource", resource}, {"meta", meta}}));
    auto r = c.receive_until(
        [&](const json& j) {
            return (j.value("type", "") == "error" && j.value("id", json()) == id) ||
                   (j.value("type", "") == "presence" && j.value("resource", "") == resource);
        },
        k_wait);
    return r ? *r : json();
}

}  // namespace

TEST_CASE("a filter over --max-filter is refused with INVALID_FILTER naming the limit", "[serve][bounds]") {
    rt_server srv({"--max-filter", "200B"});
    auto c = connect_ws(srv.ws_url());
    json big = subscribe(*c, "TaskUpdates", {{"board", std::string(300, 'b')}}, "big");
    CHECK(big["type"] == "error");
    CHECK(big["code"] == "INVALID_FILTER");
    CHECK_THAT(big.value("message", ""), Catch::Contains("--max-filter") && Catch::Contains("200"));
    CHECK(subscribe(*c, "TaskUpdates", {{"board", std::string(150, 'b')}}, "small")["type"] == "subscribed");
    CHECK(metric_value(srv.port(), "rt_streams") == 1);
}

TEST_CASE("idle streams past --max-idle-streams are evicted oldest first, from the database too, a resume gets a snapshot",
          "[serve][bounds]") {
    const std::string db = temp_path("idle-streams.db");
    std::string epoch_b0;
    {
        rt_server srv({"--db", db, "--max-idle-streams", "3"});
        auto c = connect_ws(srv.ws_url());
        // One name-only subscription, resubscribed with boards b0..b9: each resubscribe leaves the
        // previous stream idle.
        for (int i = 0; i < 10; ++i) {
            json s = subscribe(*c, "TaskUpdates", {{"board", "b" + std::to_string(i)}}, "s" + std::to_string(i));
            REQUIRE(s["type"] == "subscribed");
            if (i == 0) epoch_b0 = s["epoch"];
        }
        CHECK(metric_value(srv.port(), "rt_idle_streams") == 3);
        CHECK(metric_value(srv.port(), "rt_streams") == 4);  // b9 (subscribed) + b6, b7, b8
        CHECK(metric_value(srv.port(), "rt_streams_evicted_total") == 6);
        // b0 was evicted: resuming it is answered with a new history and a snapshot.
        auto other = connect_ws(srv.ws_url());
        json r = request(*other, {{"id", "r"}, {"type", "subscribe"}, {"subscription", "TaskUpdates"}, {"filter", {{"board", "b0"}}},
                                  {"since", {{"epoch", epoch_b0}, {"seq", 0}}}});
        REQUIRE(r["type"] == "subscribed");
        CHECK(r["recovered"] == false);
        CHECK(r["epoch"] != epoch_b0);
        CHECK(r.contains("initial"));
        REQUIRE(srv.stop() == 0);
    }
    // What was evicted is gone from the database: a restart loads at most the cap.
    rt_server again({"--db", db, "--max-idle-streams", "3"});
    CHECK(metric_value(again.port(), "rt_streams") <= 3);
}

TEST_CASE("cycling huge and many filters keeps the server's memory and its database file bounded", "[serve][bounds]") {
    const rt::test::rss_bounded_servers asan_quarantine_off;  // its RSS bound holds under ASan too
    const std::string db = temp_path("cycle.db");
    rt_server srv({"--db", db, "--max-idle-streams", "100", "--rate-limit", "100000", "--rate-burst", "100000"});
    std::vector<std::unique_ptr<rt::client::sync_client>> conns;
    for (int i = 0; i < 4; ++i) conns.push_back(connect_ws(srv.ws_url()));
    REQUIRE(subscribe(*conns[0], "AllTasks")["type"] == "subscribed");
    const long rss_before = rt::test::rss_kib(srv.proc().pid());
    const long db_before = bounds_db_bytes(db);

    // The finding's workload, scaled down: each connection cycles 60 KB filter values.
    const std::string pad(60000, 'x');
    int accepted_huge = 0;
    for (int k = 0; k < 4; ++k)
        accepted_huge += bounds_cycle_filters(*conns[k], "TaskUpdates", "board", 100,
                                              [&](int i) { return pad + std::to_string(k) + "-" + std::to_string(i); });
    CHECK(accepted_huge == 0);
    // Filters under the limit, all distinct: streams come and go, the idle ones stay capped.
    const std::string pad2(900, 'y');
    int accepted = 0;
    for (int k = 0; k < 4; ++k)
        accepted += bounds_cycle_filters(*conns[k], "TaskUpdates", "board", 300,
                                         [&](int i) { return pad2 + std::to_string(k) + "-" + std::to_string(i); });
    CHECK(accepted == 1200);
    // 1,200 streams made: each connection's last one is subscribed, 100 idle ones are kept.
    CHECK(metric_value(srv.port(), "rt_idle_streams") == 100);
    CHECK(metric_value(srv.port(), "rt_streams_evicted_total") == 1096);

    // The server still works for a plain subscriber.
    CHECK(publish(*conns[1], "Task", "insert", task("t1", "todo"))["type"] == "published");
    CHECK(next_of_type(*conns[0], "event")["data"]["id"] == "t1");

    const long rss_after = rt::test::rss_kib(srv.proc().pid());
    const long db_after = bounds_db_bytes(db);
    INFO("server RSS " << rss_before << " → " << rss_after << " KiB; db " << db_before << " → " << db_after << " bytes");
    CHECK(rss_after - rss_before < 40 * 1024);
    CHECK(db_after < 8 * 1024 * 1024);
}

TEST_CASE("REST lists are paged with limit and after, the next page named in a Link header (helpdesk)", "[serve][bounds][rest]") {
    auto srv = helpdesk_server({"--rate-limit", "100000", "--rate-burst", "100000"});
    {
        auto sup = connect_ws(srv.ws_url("token=tok-sup"));
        for (int i = 0; i < 250; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "T%04d", i);
            REQUIRE_FALSE(sup->send_json({{"id", i}, {"type", "publish"}, {"entity", "Ticket"}, {"operation", "insert"},
                                          {"data", ticket(id, i % 2 ? "B" : "A")}}));
        }
        auto last = sup->receive_until([](const json& j) { return j.value("id", json()) == 249; }, k_wait);
        REQUIRE(last);
        REQUIRE((*last)["type"] == "published");
    }
    const std::string sup = rights_bearer("tok-sup");

    // Default page: 100 rows, then follow the links to the end: every row once, in id order.
    std::vector<std::string> ids;
    std::string path = "/api/Ticket";
    int pages = 0;
    while (!path.empty() && pages < 10) {
        auto r = http_request(srv.port(), "GET", path, "", {sup});
        REQUIRE(r.status == 200);
        json rows = json::parse(r.body);
        REQUIRE(rows.is_array());
        if (pages == 0) CHECK(rows.size() == 100);
        for (const auto& row : rows) ids.push_back(row["id"]);
        path = bounds_next_link(bounds_header(r.headers, "Link"));
        ++pages;
    }
    CHECK(pages == 3);
    REQUIRE(ids.size() == 250);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 250);
    CHECK(std::is_sorted(ids.begin(), ids.end()));

    // A page of everything has no Link; `after` starts past the given id; bad limits are 400.
    auto all = http_request(srv.port(), "GET", "/api/Ticket?limit=1000", "", {sup});
    CHECK(json::parse(all.body).size() == 250);
    CHECK(bounds_header(all.headers, "Link").empty());
    auto tail = http_request(srv.port(), "GET", "/api/Ticket?limit=5&after=T0247", "", {sup});
    CHECK(json::parse(tail.body) .size() == 2);
    CHECK(bounds_header(tail.headers, "Link").empty());
    for (const char* bad : {"0", "-1", "abc", ""}) {
        auto r = http_request(srv.port(), "GET", std::string("/api/Ticket?limit=") + bad, "", {sup});
        INFO("limit=" << bad << ": " << r.body);
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Catch::Contains("limit"));
    }
    // Bob (team B rows only) pages through his rows alone.
    std::size_t bob_rows = 0;
    path = "/api/Ticket?limit=40";
    for (int i = 0; !path.empty() && i < 10; ++i) {
        auto r = http_request(srv.port(), "GET", path, "", {rights_bearer("tok-bob")});
        REQUIRE(r.status == 200);
        for (const auto& row : json::parse(r.body)) {
            CHECK(row["team"] == "B");
            ++bob_rows;
        }
        path = bounds_next_link(bounds_header(r.headers, "Link"));
    }
    CHECK(bob_rows == 125);
}

TEST_CASE("clients that never read their REST list pin a bounded amount of server memory", "[serve][bounds][rest]") {
    const rt::test::rss_bounded_servers asan_quarantine_off;  // its RSS bound holds under ASan too
    rt_server srv({"--rate-limit", "100000", "--rate-burst", "100000"});
    {
        auto pub = connect_ws(srv.ws_url());
        const std::string pad(1000, 'p');
        for (int i = 0; i < 3000; ++i) {
            json row = task("t" + std::to_string(100000 + i), "todo");
            row["title"] = pad;
            REQUIRE_FALSE(pub->send_json({{"id", i}, {"type", "publish"}, {"entity", "Task"}, {"operation", "insert"}, {"data", row}}));
        }
        auto last = pub->receive_until([](const json& j) { return j.value("id", json()) == 2999; }, std::chrono::seconds(20));
        REQUIRE(last);
        REQUIRE((*last)["type"] == "published");
    }
    const long rss_before = rt::test::rss_kib(srv.proc().pid());
    {
        // 3,000 rows of ~1.1 KB: a whole list is ~3.3 MB; 100 stalled readers of it pinned 200 MB+ (it is
        // held twice while written: the response's body and its raw bytes).
        std::vector<std::unique_ptr<bounds_stalled_http>> stalled;
        for (int i = 0; i < 100; ++i) stalled.push_back(std::make_unique<bounds_stalled_http>(srv.port(), "/api/Task?limit=1000"));
        // Each response is being written once its first bytes arrive (peeked at, never read).
        for (auto& st : stalled) {
            pollfd pfd{st->fd, POLLIN, 0};
            REQUIRE(::poll(&pfd, 1, 10000) == 1);
        }
        auto probe = http_request(srv.port(), "GET", "/api/Task?limit=1");
        REQUIRE(probe.status == 200);
        CHECK(json::parse(probe.body).size() == 1);
        const long rss_stalled = rt::test::rss_kib(srv.proc().pid());
        INFO("server RSS " << rss_before << " KiB before, " << rss_stalled << " KiB with 100 stalled list readers");
        CHECK(rss_stalled - rss_before < 100 * 1024);
    }
}

TEST_CASE("presence limits: resources per connection, meta size (helpdesk)", "[serve][bounds][presence]") {
    auto srv = helpdesk_server({"--max-presence-resources", "2", "--max-presence-meta", "100B"});
    auto c = connect_ws(srv.ws_url("token=tok-sup"));
    CHECK(bounds_presence(*c, "j1", "join", "ticket:1")["type"] == "presence");
    CHECK(bounds_presence(*c, "j2", "join", "ticket:2", {{"col", "open"}})["type"] == "presence");
    json third = bounds_presence(*c, "j3", "join", "ticket:3");
    CHECK(third["type"] == "error");
    CHECK(third["code"] == "TOO_MANY_SUBSCRIPTIONS");
    CHECK_THAT(third.value("message", ""), Catch::Contains("--max-presence-resources"));
    // Joining a resource it is on again (a new meta) is no new resource; leaving one makes room.
    CHECK(bounds_presence(*c, "j4", "join", "ticket:1", {{"col", "closed"}})["type"] == "presence");
    CHECK(bounds_presence(*c, "l1", "leave", "ticket:2")["type"] == "presence");
    CHECK(bounds_presence(*c, "j5", "join", "ticket:3")["type"] == "presence");

    json big = bounds_presence(*c, "j6", "join", "ticket:1", {{"note", std::string(200, 'n')}});
    CHECK(big["type"] == "error");
    CHECK(big["code"] == "BAD_REQUEST");
    CHECK_THAT(big.value("message", ""), Catch::Contains("--max-presence-meta"));
    json p = bounds_presence(*c, "j7", "join", "ticket:1", {{"note", std::string(50, 'n')}});
    REQUIRE(p["type"] == "presence");
    CHECK(p["users"][0]["meta"]["note"] == std::string(50, 'n'));
    CHECK(p["count"] == 1);
}

TEST_CASE("a presence message lists at most --max-presence-users users, and counts them all", "[serve][bounds][presence]") {
    rt_server srv({"--max-presence-users", "3"});
    std::vector<std::unique_ptr<rt::client::sync_client>> users;
    json last;
    for (int i = 0; i < 6; ++i) {
        users.push_back(connect_ws(srv.ws_url("user=u" + std::to_string(i))));
        last = bounds_presence(*users.back(), "j" + std::to_string(i), "join", "doc:1", {{"n", i}});
        REQUIRE(last["type"] == "presence");
        CHECK(last["count"] == i + 1);
        CHECK(last["users"].size() == std::min<std::size_t>(static_cast<std::size_t>(i) + 1, 3));
    }
    // The first three by id; the earliest member hears of every change with the cut list too.
    CHECK(last["users"][0]["id"] == "u0");
    CHECK(last["users"][2]["id"] == "u2");
    auto seen = users[0]->receive_until([](const json& j) { return j.value("type", "") == "presence" && j.value("count", 0) == 6; },
                                         k_wait);
    REQUIRE(seen);
    CHECK((*seen)["users"].size() == 3);
    users[5]->close();
    REQUIRE(users[5]->wait_closed(k_wait));
    auto after = users[0]->receive_until([](const json& j) { return j.value("type", "") == "presence" && j.value("count", 0) == 5; },
                                          k_wait);
    CHECK(after);
}

TEST_CASE("a presence join wave of members that never read keeps the server's memory bounded", "[serve][bounds][presence]") {
    const rt::test::rss_bounded_servers asan_quarantine_off;  // its RSS bound holds under ASan too
    rt_server srv;
    auto observer = connect_ws(srv.ws_url("user=a-observer"));
    REQUIRE(bounds_presence(*observer, "o", "join", "board:wave")["type"] == "presence");
    const long rss_before = rt::test::rss_kib(srv.proc().pid());
    constexpr int members = 200;
    rt::client::ws_options small_rcvbuf;
    small_rcvbuf.receive_buffer_bytes = 4096;
    std::vector<std::unique_ptr<rt::client::sync_client>> wave;
    for (int i = 0; i < members; ++i) {
        auto c = rt::client::sync_client::connect(srv.ws_url("user=m" + std::to_string(1000 + i)), k_wait, small_rcvbuf);
        REQUIRE(c.ok());
        auto& m = *c.value();
        REQUIRE_FALSE(m.pause_reading());
        // The finding's attack sent a meta as large as a frame; here 8 KB is refused, 1,000 B is not.
        REQUIRE_FALSE(m.send_json({{"type", "presence"}, {"action", "join"}, {"resource", "board:wave"},
                                   {"meta", {{"pad", std::string(8000, 'm')}}}}));
        REQUIRE_FALSE(m.send_json({{"type", "presence"}, {"action", "join"}, {"resource", "board:wave"},
                                   {"meta", {{"pad", std::string(1000, 'm')}}}}));
        wave.push_back(std::move(c.value()));
    }
    // A fresh member asks for the list (a join always answers its sender) until every join is in.
    auto checker = connect_ws(srv.ws_url("user=zz-checker"));
    auto count_of = [](const json& j) { return j.is_object() ? j.value("count", 0) : 0; };
    json all;
    for (int i = 0; i < 200 && count_of(all) != members + 2; ++i)
        all = bounds_presence(*checker, "c" + std::to_string(i), "join", "board:wave");
    REQUIRE(count_of(all) == members + 2);
    CHECK(all["users"].size() == 100);  // the default --max-presence-users
    for (const auto& u : all["users"]) CHECK(u["meta"].dump().size() < 1100);
    const long rss_after = rt::test::rss_kib(srv.proc().pid());
    INFO("server RSS " << rss_before << " → " << rss_after << " KiB after " << members << " joins of members that never read");
    CHECK(rss_after - rss_before < 60 * 1024);
}
