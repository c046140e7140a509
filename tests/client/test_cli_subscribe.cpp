// End to end: `rt subscribe` as a real process against real `rt serve` processes, fed by
// `rt publish`. Restarts reuse the first server's port; every wait is bounded by output.
#include <signal.h>

#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "cli_helpers.hpp"

using namespace rt::test;

namespace {

std::vector<std::string> subscribe_args(const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> args{"subscribe", "AllTasks", "--url", url};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// The seqs of the event lines in `lines`, in order.
std::vector<std::uint64_t> seqs_of(const std::vector<json>& lines) {
    std::vector<std::uint64_t> out;
    for (const auto& j : lines)
        if (j.value("type", "") == "event") out.push_back(j["seq"].get<std::uint64_t>());
    return out;
}

std::vector<std::uint64_t> one_to(std::uint64_t n) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 1; i <= n; ++i) v.push_back(i);
    return v;
}

}  // namespace

TEST_CASE("rt subscribe prints published events as JSON lines and exits after --count", "[cli][subscribe]") {
    rt_server server;
    rt_process sub(subscribe_args(server.ws_url(), {"--count", "3"}));
    REQUIRE(sub.wait_for_output("AllTasks: snapshot of 0 rows", k_cli_wait));
    CHECK(sub.err().find("connected to ws://127.0.0.1:" + std::to_string(server.port()) + "/live") != std::string::npos);

    for (const char* id : {"t1", "t2", "t3"}) publish_task(server.ws_url(), id);
    INFO("stderr: " << sub.err());
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);

    const auto lines = json_lines(sub.out());
    REQUIRE(lines.size() == 3);
    CHECK(seqs_of(lines) == one_to(3));
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(lines[i]["type"] == "event");
        CHECK(lines[i]["subscription"] == "AllTasks");
        CHECK(lines[i]["operation"] == "insert");
        CHECK(lines[i]["data"]["id"] == "t" + std::to_string(i + 1));
        CHECK(lines[i]["epoch"].is_string());
        CHECK(lines[i]["ts"].is_number());
    }
}

TEST_CASE("rt subscribe --count stops at N even when more events arrive", "[cli][subscribe]") {
    rt_server server;
    rt_process sub(subscribe_args(server.ws_url(), {"--count", "2", "--snapshot"}));
    REQUIRE(sub.wait_for_output("snapshot of 0 rows", k_cli_wait));
    const std::string lines =
        R"({"entity":"Task","operation":"insert","data":{"id":"a","title":"a","status":"todo","board":"b1","priority":1}})" "\n"
        R"({"entity":"Task","operation":"insert","data":{"id":"b","title":"b","status":"todo","board":"b1","priority":1}})" "\n"
        R"({"entity":"Task","operation":"update","data":{"id":"a","status":"doing"}})" "\n"
        R"({"entity":"Task","operation":"delete","data":{"id":"b"}})" "\n";
    auto pub = run_rt({"publish", "--stdin", "--url", server.ws_url()}, k_cli_wait, lines);
    REQUIRE(pub.exit_code == 0);
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    const auto out = json_lines(sub.out());
    REQUIRE(out.size() == 2);
    CHECK(seqs_of(out) == one_to(2));
}

TEST_CASE("rt subscribe --snapshot prints the initial rows, then events", "[cli][subscribe]") {
    rt_server server;
    publish_task(server.ws_url(), "s1");
    publish_task(server.ws_url(), "s2");
    rt_process sub(subscribe_args(server.ws_url(), {"--count", "1", "--snapshot"}));
    REQUIRE(sub.wait_for_output("snapshot of 2 rows", k_cli_wait));
    publish_task(server.ws_url(), "s3");
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    const auto out = json_lines(sub.out());
    REQUIRE(out.size() == 3);
    CHECK(out[0]["type"] == "snapshot");
    CHECK(out[0]["operation"] == "snapshot");
    CHECK(out[0]["data"]["id"] == "s1");
    CHECK(out[1]["data"]["id"] == "s2");
    CHECK(out[0]["seq"] == out[1]["seq"]);  // both carry the snapshot's position
    CHECK(out[2]["type"] == "event");
    CHECK(out[2]["seq"] == out[1]["seq"].get<std::uint64_t>() + 1);  // the first event after the snapshot
}

TEST_CASE("rt subscribe --format pretty without a TTY prints plain readable lines", "[cli][subscribe]") {
    rt_server server;
    rt_process sub(subscribe_args(server.ws_url(), {"--count", "1", "--format", "pretty"}));
    REQUIRE(sub.wait_for_output("snapshot of 0 rows", k_cli_wait));
    publish_task(server.ws_url(), "p1");
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    CHECK(sub.out().find("AllTasks #1 insert p1 {") != std::string::npos);
    CHECK(sub.out().find("\x1b[") == std::string::npos);
}

TEST_CASE("rt subscribe --timeout and SIGINT end with exit 0", "[cli][subscribe]") {
    rt_server server;
    {
        auto r = run_rt(subscribe_args(server.ws_url(), {"--timeout", "300ms"}), k_cli_wait);
        CHECK(r.exit_code == 0);
        CHECK(r.out.empty());
        CHECK(r.err.find("timeout after 300ms") != std::string::npos);
    }
    {  // --count not reached when the timeout expires: a distinct exit code a script can test
        auto r = run_rt(subscribe_args(server.ws_url(), {"--timeout", "300ms", "--count", "2"}), k_cli_wait);
        CHECK(r.exit_code == 4);
        CHECK(r.err.find("timeout after 300ms before --count 2") != std::string::npos);
    }
    {
        rt_process sub(subscribe_args(server.ws_url(), {}));
        REQUIRE(sub.wait_for_output("snapshot of 0 rows", k_cli_wait));
        publish_task(server.ws_url(), "i1");
        REQUIRE(wait_for_seq(sub, 1));
        sub.signal(SIGINT);
        CHECK(sub.wait_exit(k_cli_wait) == 0);
        CHECK(json_lines(sub.out()).size() == 1);
        CHECK(sub.err().find("interrupted (1 events)") != std::string::npos);
    }
}

TEST_CASE("rt subscribe survives a server restart on the same port and resumes with --db", "[cli][subscribe][restart]") {
    const std::string db = temp_path("restart.db");
    rt_server first({"--db", db});
    const int port = first.port();
    const std::string url = first.ws_url();
    rt_process sub(subscribe_args(url, {"--count", "6"}));
    REQUIRE(sub.wait_for_output("AllTasks: snapshot of 0 rows", k_cli_wait));
    for (const char* id : {"r1", "r2", "r3"}) publish_task(url, id);
    REQUIRE(wait_for_seq(sub, 3));

    first.proc().signal(SIGKILL);
    REQUIRE(first.proc().wait_exit(k_cli_wait));
    REQUIRE(sub.wait_for_output("reconnecting in", k_cli_wait));

    auto second = serve_on(port, {"--db", db});
    INFO("subscriber stderr:\n" << sub.err());
    REQUIRE(sub.wait_for_output("AllTasks: resumed with 0 replayed events", k_cli_wait));
    for (const char* id : {"r4", "r5", "r6"}) publish_task(url, id);
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);

    const auto lines = json_lines(sub.out());
    CHECK(seqs_of(lines) == one_to(6));
    CHECK(count_of(sub.err(), "snapshot of") == 1);  // resumed, not resynced
    CHECK(sub.err().find("resynced") == std::string::npos);
    std::set<std::string> epochs;
    for (const auto& j : lines) epochs.insert(j["epoch"].get<std::string>());
    CHECK(epochs.size() == 1);  // durable history: same epoch across the restart
}

TEST_CASE("rt subscribe after a restart without --db resyncs and prints every later event", "[cli][subscribe][restart]") {
    rt_server first;
    const int port = first.port();
    const std::string url = first.ws_url();
    rt_process sub(subscribe_args(url, {"--count", "4"}));
    REQUIRE(sub.wait_for_output("AllTasks: snapshot of 0 rows", k_cli_wait));
    publish_task(url, "m1");
    REQUIRE(wait_for_seq(sub, 1));

    first.proc().signal(SIGKILL);
    REQUIRE(first.proc().wait_exit(k_cli_wait));
    auto second = serve_on(port);
    INFO("subscriber stderr:\n" << sub.err());
    REQUIRE(sub.wait_for_output("AllTasks: resynced from snapshot of 0 rows", k_cli_wait));
    for (const char* id : {"m2", "m3", "m4"}) publish_task(url, id);
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);

    const auto lines = json_lines(sub.out());
    REQUIRE(lines.size() == 4);
    std::vector<std::string> ids;
    for (const auto& j : lines) ids.push_back(j["data"]["id"].get<std::string>());
    CHECK(ids == std::vector<std::string>{"m1", "m2", "m3", "m4"});
    CHECK(lines[0]["epoch"] != lines[1]["epoch"]);  // history was lost: a new epoch, counting from 1
    CHECK(lines[1]["seq"] == 1);
}

TEST_CASE("rt subscribe loses nothing and repeats nothing when its connection drops mid-stream", "[cli][subscribe][restart]") {
    // The connection drops while events keep coming: the server dies after 10 events, comes back
    // (durable) and takes 10 more at once, some of them before the subscriber is back; the
    // subscriber must print seq 1..30 exactly once each, in order.
    const std::string db = temp_path("drop.db");
    rt_server first({"--db", db});
    const int port = first.port();
    const std::string url = first.ws_url();
    rt_process sub(subscribe_args(url, {"--count", "30"}));
    REQUIRE(sub.wait_for_output("AllTasks: snapshot of 0 rows", k_cli_wait));

    auto batch = [&](int from, int to) {
        std::string lines;
        for (int i = from; i <= to; ++i)
            lines += json{{"entity", "Task"}, {"operation", "insert"},
                          {"data", {{"id", "d" + std::to_string(i)}, {"title", "x"}, {"status", "todo"}, {"board", "b1"}, {"priority", i}}}}
                         .dump() + "\n";
        auto r = run_rt({"publish", "--stdin", "--url", url}, k_cli_wait, lines);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    };
    batch(1, 10);
    REQUIRE(wait_for_seq(sub, 10));
    first.proc().signal(SIGKILL);
    REQUIRE(first.proc().wait_exit(k_cli_wait));
    auto second = serve_on(port, {"--db", db});
    batch(11, 20);  // races the subscriber's reconnect: replayed or live, each exactly once
    REQUIRE(sub.wait_for_output("AllTasks: resumed with", k_cli_wait));
    batch(21, 30);
    INFO("subscriber stderr:\n" << sub.err());
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    const auto lines = json_lines(sub.out());
    CHECK(seqs_of(lines) == one_to(30));
    for (std::size_t i = 0; i < lines.size(); ++i) CHECK(lines[i]["data"]["id"] == "d" + std::to_string(i + 1));
}

TEST_CASE("rt subscribe: usage errors exit 2, refusals 3, giving up 1", "[cli][subscribe][errors]") {
    rt_server server;
    const std::string url = server.ws_url();
    struct row {
        std::vector<std::string> args;
        int code;
        std::string message;
    };
    const std::vector<row> rows = {
        {{"subscribe", "AllTasks", "--url", url, "--bogus"}, 2, "--bogus"},
        {{"subscribe", "--url", url}, 2, "SUBSCRIPTION"},
        {{"subscribe", "AllTasks", "--url", url, "--filter", "{board:"}, 2, "--filter: not valid JSON"},
        {{"subscribe", "AllTasks", "--url", url, "--filter", "[1]"}, 2, "--filter: expected a JSON object"},
        {{"subscribe", "AllTasks", "--url", url, "--format", "xml"}, 2, "--format"},
        {{"subscribe", "AllTasks", "--url", url, "--count", "0"}, 2, "--count"},
        {{"subscribe", "AllTasks", "--url", url, "--timeout", "soon"}, 2, "--timeout"},
        {{"subscribe", "AllTasks", "--url", url, "--since", "nope"}, 2, "--since: expected EPOCH:SEQ"},
        {{"subscribe", "AllTasks", "TaskUpdates", "--url", url, "--since", "e:1"}, 2, "exactly one SUBSCRIPTION"},
        {{"subscribe", "AllTasks", "--url", "http://x/live"}, 2, "--url"},
        {{"subscribe", "NoSuchThing", "--url", url}, 3, "UNKNOWN_SUBSCRIPTION"},
        {{"subscribe", "AllTasks", "NoSuchThing", "--url", url}, 3, "server refused NoSuchThing: UNKNOWN_SUBSCRIPTION"},
        {{"subscribe", "TaskUpdates", "--url", url, "--filter", R"({"nosuchfield":1})"}, 3, "INVALID_FILTER"},
        {{"subscribe", "AllTasks", "--url", url, "--throttle", "5ms"}, 2, "--throttle: throttle '5ms' is outside"},
        {{"subscribe", "AllTasks", "--url", url, "--batch"}, 3, "'batch': batching needs a throttle window"},
    };
    for (const auto& r : rows) {
        auto res = run_rt(r.args, k_cli_wait);
        INFO("args: " << json(r.args).dump() << "\nstderr: " << res.err);
        CHECK(res.exit_code == r.code);
        CHECK(res.err.find(r.message) != std::string::npos);
        CHECK(res.out.empty());
    }
}

TEST_CASE("rt subscribe --max-retries gives up with exit 1 when nothing listens", "[cli][subscribe][errors]") {
    int port = 0;
    {
        rt_server gone;
        port = gone.port();
        REQUIRE(gone.stop() == 0);
    }
    auto r = run_rt({"subscribe", "AllTasks", "--url", "ws://127.0.0.1:" + std::to_string(port) + "/live",
                     "--max-retries", "2"},
                    k_cli_wait);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_of(r.err, "reconnecting in") == 2);
    CHECK(r.err.find("attempt 2") != std::string::npos);
    CHECK(r.err.find("giving up after 2 retries") != std::string::npos);
}

TEST_CASE("rt subscribe with a token: AUTH_REQUIRED is a refusal (exit 3)", "[cli][subscribe][errors]") {
    const std::string tokens = temp_path("tokens.toml");
    {
        std::FILE* f = std::fopen(tokens.c_str(), "w");
        REQUIRE(f);
        std::fputs("[tokens.good]\nuser = \"u1\"\nsubscribe = [\"*\"]\npublish = [\"*\"]\n", f);
        std::fclose(f);
    }
    rt_server server({"--tokens", tokens});
    auto bad = run_rt({"subscribe", "AllTasks", "--url", server.ws_url(), "--token", "wrong"}, k_cli_wait);
    INFO(bad.err);
    CHECK(bad.exit_code == 3);
    CHECK(bad.err.find("AUTH_REQUIRED") != std::string::npos);
    CHECK(bad.err.find("wrong") == std::string::npos);  // tokens never printed

    auto good = run_rt({"subscribe", "AllTasks", "--url", server.ws_url(), "--token", "good", "--timeout", "200ms"},
                       k_cli_wait);
    CHECK(good.exit_code == 0);
    CHECK(good.err.find("snapshot of 0 rows") != std::string::npos);
}

TEST_CASE("rt subscribe --throttle --batch prints each coalesced event of a window as its own event line", "[cli][subscribe][throttle]") {
    rt_server server;
    rt_process sub(subscribe_args(server.ws_url(), {"--throttle", "300ms", "--batch"}));
    REQUIRE(sub.wait_for_output("AllTasks: snapshot of 0 rows", k_cli_wait));
    const std::string lines =
        R"({"entity":"Task","operation":"insert","data":{"id":"a","title":"a","status":"todo","board":"b1","priority":1}})" "\n"
        R"({"entity":"Task","operation":"insert","data":{"id":"b","title":"b","status":"todo","board":"b1","priority":1}})" "\n"
        R"({"entity":"Task","operation":"update","data":{"id":"a","status":"doing"}})" "\n"
        R"({"entity":"Task","operation":"delete","data":{"id":"b"}})" "\n"
        R"({"entity":"Task","operation":"update","data":{"id":"a","status":"done"}})" "\n"
        R"({"entity":"Task","operation":"insert","data":{"id":"c","title":"c","status":"todo","board":"b1","priority":1}})" "\n";
    auto pub = run_rt({"publish", "--stdin", "--url", server.ws_url()}, k_cli_wait, lines);
    REQUIRE(pub.exit_code == 0);
    INFO("stderr: " << sub.err());
    REQUIRE(sub.wait_for_output(R"("id":"c")", k_cli_wait, /*on_stdout=*/true));
    sub.signal(SIGINT);
    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    // However the six changes fell into windows: one event line per coalesced event, the group's
    // seqs gap-free, and applying them gives the rows the changes made.
    std::map<std::string, json> rows;
    std::size_t events = 0;
    for (const auto& j : json_lines(sub.out())) {
        REQUIRE(j["type"] == "event");
        ++events;
        if (j["operation"] == "delete") rows.erase(j["data"]["id"].get<std::string>());
        else rows[j["data"]["id"].get<std::string>()] = j["data"];
    }
    CHECK(seqs_of(json_lines(sub.out())) == one_to(events));
    REQUIRE(rows.size() == 2);
    CHECK(rows["a"]["status"] == "done");
    CHECK(rows.count("c") == 1);
}
