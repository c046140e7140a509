// 1,000 concurrent subscribers all receive one event, once, with the same seq.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

TEST_CASE("1,000 concurrent subscribers all receive one event", "[serve][fanout]") {
    rt_server srv;
    constexpr int n = 1000;
    rt::client::io_loop loop;
    loop.start(1);
    std::mutex mu;
    std::condition_variable cv;
    int subscribed = 0, events = 0, errors = 0;
    std::vector<std::uint64_t> seqs;
    std::vector<std::shared_ptr<rt::client::ws_connection>> conns;
    for (int i = 0; i < n; ++i) {
        auto holder = std::make_shared<std::weak_ptr<rt::client::ws_connection>>();
        rt::client::ws_handlers h;
        h.on_open = [holder] {
            if (auto c = holder->lock()) c->send(R"({"type":"subscribe","subscription":"AllTasks"})");
        };
        h.on_message = [&](std::string_view text) {
            auto j = json::parse(text, nullptr, false);
            std::lock_guard<std::mutex> lock(mu);
            if (j.value("type", "") == "subscribed") ++subscribed;
            else if (j.value("type", "") == "event") { ++events; seqs.push_back(j["seq"].get<std::uint64_t>()); }
            else ++errors;
            cv.notify_all();
        };
        h.on_close = [&](int, std::string) {
            std::lock_guard<std::mutex> lock(mu);
            ++errors;
            cv.notify_all();
        };
        auto c = rt::client::ws_connection::connect(loop, srv.ws_url(), h);
        REQUIRE(c.ok());
        *holder = c.value();
        conns.push_back(c.value());
    }
    {
        std::unique_lock<std::mutex> lock(mu);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return subscribed + errors >= n; }));
        REQUIRE(subscribed == n);
    }
    auto pub = connect_ws(srv.ws_url());
    REQUIRE(publish(*pub, "Task", "insert", task("t1", "todo"))["type"] == "published");
    {
        std::unique_lock<std::mutex> lock(mu);
        CHECK(cv.wait_for(lock, std::chrono::seconds(30), [&] { return events >= n; }));
        CHECK(events == n);
        CHECK(errors == 0);
        for (auto s : seqs) CHECK(s == 1);
    }
    conns.clear();
    loop.stop();
}
