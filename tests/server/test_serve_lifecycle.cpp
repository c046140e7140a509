// Heartbeats, graceful shutdown, start-up errors (bad spec, config, flags).
#include <signal.h>

#include <fstream>

#include "support/ws_helpers.hpp"

using namespace rt::test;

TEST_CASE("a silent peer is cut by the heartbeat and its subscriptions removed", "[serve][lifecycle]") {
    rt_server srv({"--ping-interval", "300ms", "--pong-timeout", "200ms"});
    auto silent = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*silent, "AllTasks")["type"] == "subscribed");
    REQUIRE_FALSE(silent->pause_reading());  // it will never read the ping, so never pong
    auto watcher = connect_ws(srv.ws_url());
    // Wait (bounded) for the server to count the timeout, then for the subscription to be gone.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        auto m = http_request(srv.port(), "GET", "/metrics");
        gone = m.body.find("rt_heartbeat_timeouts_total 1") != std::string::npos &&
               m.body.find("rt_subscriptions{subscription=\"AllTasks\"} 0") != std::string::npos;
        if (!gone) watcher->receive(100ms);  // paces the polling on a real wait, not a sleep
    }
    CHECK(gone);
    // The watcher answered its pings and is still connected.
    CHECK(request(*watcher, {{"id", "p"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
}

TEST_CASE("SIGTERM closes every connection with 1001 and exits 0 within 2 s", "[serve][lifecycle]") {
    rt_server srv;
    auto a = connect_ws(srv.ws_url());
    auto b = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*a, "AllTasks")["type"] == "subscribed");
    auto start = std::chrono::steady_clock::now();
    srv.proc().signal(SIGTERM);
    REQUIRE(a->wait_closed(k_wait));
    REQUIRE(b->wait_closed(k_wait));
    CHECK(a->close_code() == 1001);
    CHECK(b->close_code() == 1001);
    auto code = srv.proc().wait_exit(std::chrono::seconds(3));
    REQUIRE(code);
    CHECK(*code == 0);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("start-up errors exit non-zero naming the problem", "[serve][lifecycle]") {
    std::string broken = temp_path("broken.spec");
    std::ofstream(broken) << "app X {\n  entity Task { attr n: int }\n  view V: Tsk where n > 1\n}\n";
    auto r = run_rt({"serve", "--spec", broken, "--listen", "127.0.0.1:0"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(broken + ":3:"));

    auto check = run_rt({"serve", "--spec", broken, "--check"});
    CHECK(check.exit_code == 1);
    auto ok = run_rt({"serve", "--spec", kanban_spec_path(), "--check"});
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("subscription TaskUpdates"));

    auto missing = run_rt({"serve", "--spec", "/nonexistent.spec", "--listen", "127.0.0.1:0"});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("/nonexistent.spec"));

    auto flag = run_rt({"serve", "--spec", kanban_spec_path(), "--bogus"});
    CHECK(flag.exit_code == 2);
    CHECK_THAT(flag.err, Catch::Contains("--bogus"));

    auto dur = run_rt({"serve", "--spec", kanban_spec_path(), "--ping-interval", "soon"});
    CHECK(dur.exit_code == 2);
    CHECK_THAT(dur.err, Catch::Contains("--ping-interval"));

    auto listen = run_rt({"serve", "--spec", kanban_spec_path(), "--listen", "127.0.0.1:99999"});
    CHECK(listen.exit_code == 2);
    CHECK_THAT(listen.err, Catch::Contains("port"));

    std::string cfg = temp_path("rt.toml");
    std::ofstream(cfg) << "listen = \"127.0.0.1:0\"\nreplay_events = \"many\"\n";
    auto bad_cfg = run_rt({"serve", "--spec", kanban_spec_path(), "--config", cfg});
    CHECK(bad_cfg.exit_code == 2);
    CHECK_THAT(bad_cfg.err, Catch::Contains(cfg + ":2:"));
    CHECK_THAT(bad_cfg.err, Catch::Contains("replay_events"));

    std::string cfg2 = temp_path("rt2.toml");
    std::ofstream(cfg2) << "colour = \"blue\"\n";
    auto unknown_cfg = run_rt({"serve", "--spec", kanban_spec_path(), "--config", cfg2});
    CHECK(unknown_cfg.exit_code == 2);
    CHECK_THAT(unknown_cfg.err, Catch::Contains("'colour' is not a setting"));

    std::string tok = temp_path("tokens.toml");
    std::ofstream(tok) << "[tokens.abc]\nsubscribe = [\"AllTasks\"]\n";
    auto bad_tok = run_rt({"serve", "--spec", kanban_spec_path(), "--tokens", tok, "--listen", "127.0.0.1:0"});
    CHECK(bad_tok.exit_code == 2);
    CHECK_THAT(bad_tok.err, Catch::Contains("missing 'user'"));
}

TEST_CASE("settings come from --config and flags win", "[serve][lifecycle]") {
    std::string cfg = temp_path("rt.toml");
    std::ofstream(cfg) << "max_subscriptions = 1\nlisten = \"127.0.0.1:1\"\n";
    rt_server srv({"--config", cfg});  // rt_server's --listen 127.0.0.1:0 comes before --config...
    auto c = connect_ws(srv.ws_url());  // ...and still wins: flags beat the file whatever their order
    CHECK(subscribe(*c, "AllTasks", json::object(), "a")["type"] == "subscribed");
    CHECK(subscribe(*c, "TaskUpdates", json::object(), "b")["code"] == "TOO_MANY_SUBSCRIPTIONS");
}
