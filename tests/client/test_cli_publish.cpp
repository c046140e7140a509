// End to end: `rt publish` (flags and --stdin) against a real `rt serve`.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "cli_helpers.hpp"

using namespace rt::test;

namespace {

std::string line(const std::string& op, const json& data) {
    return json{{"entity", "Task"}, {"operation", op}, {"data", data}}.dump() + "\n";
}

json row(const std::string& id, const std::string& status = "todo") {
    return {{"id", id}, {"title", "task " + id}, {"status", status}, {"board", "b1"}, {"priority", 1}};
}

}  // namespace

TEST_CASE("rt publish insert, update, delete print the stored row", "[cli][publish]") {
    rt_server server;
    const std::string url = server.ws_url();
    const json inserted = publish_task(url, "t1");
    CHECK(inserted == row("t1"));

    auto upd = run_rt({"publish", "Task", "--op", "update", "--id", "t1", "--data", R"({"status":"doing"})", "--url", url});
    INFO(upd.err);
    REQUIRE(upd.exit_code == 0);
    auto lines = json_lines(upd.out);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["status"] == "doing");
    CHECK(lines[0]["title"] == "task t1");  // a merge: untouched fields stay

    auto del = run_rt({"publish", "Task", "--op", "delete", "--id", "t1", "--url", url});
    REQUIRE(del.exit_code == 0);
    CHECK(json_lines(del.out).size() == 1);

    auto ins = run_rt({"publish", "Task", "--op", "insert", "--data", R"({"title":"no id","status":"todo","board":"b1","priority":2})", "--url", url});
    REQUIRE(ins.exit_code == 0);
    auto assigned = json_lines(ins.out);
    REQUIRE(assigned.size() == 1);
    CHECK(assigned[0]["id"].is_string());  // the server assigned one
}

TEST_CASE("rt publish takes the URL from RT_URL", "[cli][publish]") {
    rt_server server;
    ::setenv("RT_URL", server.ws_url().c_str(), 1);
    auto r = run_rt({"publish", "Task", "--op", "insert", "--data", row("env1").dump()});
    ::unsetenv("RT_URL");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(json_lines(r.out).size() == 1);
}

TEST_CASE("rt publish --stdin sends every line and prints the replies in input order", "[cli][publish]") {
    rt_server server;
    const std::string url = server.ws_url();
    rt_process sub({"subscribe", "AllTasks", "--count", "3", "--url", url});
    REQUIRE(sub.wait_for_output("snapshot of 0 rows", k_cli_wait));

    const std::string input = line("insert", row("a")) + "\n" + line("insert", row("b")) + line("update", {{"id", "a"}, {"status", "done"}});
    auto r = run_rt({"publish", "--stdin", "--url", url}, k_cli_wait, input);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto out = json_lines(r.out);
    REQUIRE(out.size() == 3);
    CHECK(out[0]["id"] == "a");
    CHECK(out[1]["id"] == "b");
    CHECK(out[2]["id"] == "a");
    CHECK(out[2]["status"] == "done");
    CHECK(r.err.find("3 published, 0 failed") != std::string::npos);

    REQUIRE(sub.wait_exit(k_cli_wait) == 0);
    const auto events = json_lines(sub.out());
    REQUIRE(events.size() == 3);
    CHECK(events[2]["operation"] == "update");
}

TEST_CASE("rt publish --stdin: a bulk of 300 lines keeps its order", "[cli][publish][slow]") {
    rt_server server;
    std::string input;
    for (int i = 0; i < 300; ++i) input += line("insert", row("bulk" + std::to_string(i)));
    auto r = run_rt({"publish", "--stdin", "--rate", "0", "--url", server.ws_url(), "--window", "32"}, k_cli_wait, input);
    INFO(r.err.substr(0, 2000));
    // The server's rate limit (100/s, burst 200) may refuse part of an unpaced bulk: that is a
    // failure of those lines, reported in order; the default --rate avoids it (next test).
    const auto out = json_lines(r.out);
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        const int a = std::stoi(out[i]["id"].get<std::string>().substr(4));
        const int b = std::stoi(out[i + 1]["id"].get<std::string>().substr(4));
        CHECK(a < b);
    }
}

TEST_CASE("rt publish --stdin paces itself to the server's default rate limit", "[cli][publish]") {
    rt_server server;  // 100 messages/s per connection, burst 200
    std::string input;
    for (int i = 0; i < 300; ++i) input += line("insert", row("p" + std::to_string(i)));
    auto r = run_rt({"publish", "--stdin", "--url", server.ws_url()}, k_cli_wait, input);
    INFO(r.err.substr(0, 2000));
    CHECK(r.exit_code == 0);
    const auto out = json_lines(r.out);
    REQUIRE(out.size() == 300);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out[i]["id"] == "p" + std::to_string(i));
}

TEST_CASE("rt publish --stdin stops at the first failure unless --keep-going", "[cli][publish][errors]") {
    rt_server server;
    const std::string url = server.ws_url();
    auto input = [](const std::string& p) {
        return line("insert", row(p + "1")) + "{not json\n" + line("insert", row(p + "2")) +
               line("update", {{"id", "missing"}, {"status", "done"}}) + line("insert", row(p + "3"));
    };
    {
        auto r = run_rt({"publish", "--stdin", "--url", url, "--window", "1"}, k_cli_wait, input("s"));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(json_lines(r.out).size() == 1);
        CHECK(r.err.find("line 2: INVALID_INPUT: not valid JSON") != std::string::npos);
        CHECK(r.err.find("line 4") == std::string::npos);
        CHECK(r.err.find("--keep-going") != std::string::npos);
    }
    {
        auto r = run_rt({"publish", "--stdin", "--keep-going", "--url", url}, k_cli_wait, input("k"));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        const auto out = json_lines(r.out);
        REQUIRE(out.size() == 3);
        CHECK(out[0]["id"] == "k1");
        CHECK(out[1]["id"] == "k2");
        CHECK(out[2]["id"] == "k3");
        CHECK(r.err.find("line 2: INVALID_INPUT") != std::string::npos);
        CHECK(r.err.find("line 4: NOT_FOUND") != std::string::npos);
        CHECK(r.err.find("3 published, 2 failed") != std::string::npos);
    }
}

TEST_CASE("rt publish: the server's error exits 1, usage errors exit 2", "[cli][publish][errors]") {
    rt_server server;
    const std::string url = server.ws_url();
    {
        auto r = run_rt({"publish", "Task", "--op", "update", "--id", "nope", "--data", R"({"status":"done"})", "--url", url});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("rt publish: NOT_FOUND: ") != std::string::npos);
        CHECK(r.out.empty());
    }
    {
        auto r = run_rt({"publish", "Task", "--op", "insert", "--data", R"({"status":"bogus"})", "--url", url});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("BAD_REQUEST") != std::string::npos);
    }
    struct row_t {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<row_t> usage = {
        {{"publish", "Task", "--op", "insert", "--data", "{\"title\":", "--url", url}, "--data: not valid JSON"},
        {{"publish", "Task", "--op", "insert", "--data", "[1,2]", "--url", url}, "--data: expected a JSON object"},
        {{"publish", "Task", "--op", "upsert", "--data", "{}", "--url", url}, "--op"},
        {{"publish", "Task", "--data", "{}", "--url", url}, "--op insert|update|delete is required"},
        {{"publish", "--op", "insert", "--url", url}, "ENTITY is required"},
        {{"publish", "Task", "--op", "delete", "--url", url}, "delete needs the row's id"},
        {{"publish", "--stdin", "Task", "--url", url}, "drop ENTITY"},
        {{"publish", "Task", "--op", "insert", "--url", "ws://"}, "--url"},
        {{"publish", "Task", "--op", "insert", "--nope"}, "--nope"},
    };
    for (const auto& u : usage) {
        auto r = run_rt(u.args);
        INFO("args: " << json(u.args).dump() << "\nstderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(u.message) != std::string::npos);
    }
    {
        int port = 0;
        {
            rt_server gone;
            port = gone.port();
            REQUIRE(gone.stop() == 0);
        }
        auto r = run_rt({"publish", "Task", "--op", "insert", "--data", "{}", "--url",
                         "ws://127.0.0.1:" + std::to_string(port) + "/live"});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("cannot connect") != std::string::npos);
    }
}
