#include <catch2/catch.hpp>

#include <string>

#include "chaos/change_key.hpp"
#include "chaos/recording_subscriber.hpp"
#include "chaos/scenario.hpp"
#include "chaos/server_process.hpp"

using namespace rt::chaos;
using namespace std::chrono_literals;

namespace {

rt::result<scenario, std::string> parse(const std::string& text) { return parse_scenario_text(text, "s.toml", "scenarios"); }

}  // namespace

TEST_CASE("scenario: defaults and every key", "[chaos][scenario]") {
    auto empty = parse("");
    REQUIRE(empty.ok());
    CHECK(empty->subscribers == 100);
    CHECK(empty->spec_path == "scenarios/kanban.spec");
    CHECK(empty->timeline.empty());
    CHECK_FALSE(empty->durable);

    auto s = parse(R"(
description = "d"
spec = "/abs/app.spec"
server_args = ["--ping-interval", "1s"]
durable = true
subscribers = 7
boards = 3
filter = "none"
tasks_per_board = 4
rate = "5/s"
payload = "1KiB"
duration = "6s"
timeline = "4s heal; 1s blackhole down; 2s kill_server; 3s restart_server"
drain_timeout = "3s"
connect_timeout = "4s"
[client]
backoff_base = "50ms"
backoff_cap = "1s"
threads = 3
[proxy]
max_queued = "64KiB"
[expect]
max_resyncs = 0
min_resyncs = 1
min_reconnects = 7
min_resumed = 2
)");
    REQUIRE(s.ok());
    CHECK(s->description == "d");
    CHECK(s->spec_path == "/abs/app.spec");
    CHECK(s->server_args == std::vector<std::string>{"--ping-interval", "1s"});
    CHECK(s->durable);
    CHECK(s->subscribers == 7);
    CHECK(s->boards == 3);
    CHECK_FALSE(s->filter_by_board);
    CHECK(s->tasks_per_board == 4);
    CHECK(s->rate_per_s == 5.0);
    CHECK(s->payload_bytes == 1024);
    CHECK(s->duration_ms == 6000ms);
    REQUIRE(s->timeline.size() == 4);
    CHECK(s->timeline[0].at_ms == 1000ms);  // sorted by offset
    CHECK(s->timeline[0].action == step_action::fault);
    CHECK(s->timeline[0].command.f.kind == fault_kind::blackhole);
    CHECK(s->timeline[0].command.f.dir == direction::down);
    CHECK(s->timeline[1].action == step_action::kill_server);
    CHECK(s->timeline[2].action == step_action::restart_server);
    CHECK(s->timeline[3].command.heal);
    CHECK(touches_server(s->timeline));
    CHECK(s->drain_timeout_ms == 3000ms);
    CHECK(s->connect_timeout_ms == 4000ms);
    CHECK(s->backoff_base_ms == 50ms);
    CHECK(s->backoff_cap_ms == 1000ms);
    CHECK(s->client_threads == 3);
    CHECK(s->proxy_max_queued_bytes == 65536);
    CHECK(s->expect.max_resyncs == 0u);
    CHECK(s->expect.min_resyncs == 1u);
    CHECK(s->expect.min_reconnects == 7u);
    CHECK(s->expect.min_resumed == 2u);
}

TEST_CASE("scenario: errors name file:line, the key and the problem", "[chaos][scenario]") {
    struct row {
        const char* text;
        const char* where;  // expected prefix
        const char* what;   // expected somewhere in the message
    };
    const row rows[] = {
        {"subscribers = \"many\"", "s.toml:1: subscribers: ", "expected an integer"},
        {"\n\nsubscribers = 0", "s.toml:3: subscribers: ", "between 1 and 10000"},
        {"subscribers = 20000", "s.toml:1: subscribers: ", "between 1 and 10000"},
        {"rate = \"fast\"", "s.toml:1: rate: ", "fast"},
        {"rate = \"0/s\"", "s.toml:1: rate: ", "above 0"},
        {"rate = 5", "s.toml:1: rate: ", "expected a rate string"},
        {"duration = \"5\"", "s.toml:1: duration: ", "5"},
        {"duration = \"0s\"", "s.toml:1: duration: ", "longer than 0"},
        {"filter = \"team\"", "s.toml:1: filter: ", "\"board\" or \"none\""},
        {"durable = 1", "s.toml:1: durable: ", "true or false"},
        {"server_args = \"--x\"", "s.toml:1: server_args: ", "array of strings"},
        {"server_args = [1]", "s.toml:1: server_args: ", "item 1"},
        {"server_args = [\"--db\", \"x\"]", "s.toml:1: server_args: ", "set by the runner"},
        {"payload = \"1MiB\"", "s.toml:1: payload: ", "at most 32KiB"},
        {"timeline = \"2s explode\"", "s.toml:1: timeline: ", "schedule step 1"},
        {"timeline = \"2s blackhole; soon heal\"", "s.toml:1: timeline: ", "schedule step 2"},
        {"timeline = \"2s restart_server\"", "s.toml:1: timeline: ", "needs an earlier kill_server"},
        {"timeline = \"1s kill_server; 2s kill_server\"", "s.toml:1: timeline: ", "already killed"},
        {"subscriber = 5", "s.toml:1: subscriber: ", "unknown key"},
        {"\n[client]\nbackoff = \"1s\"", "s.toml:3: client.backoff: ", "unknown key"},
        {"[client]\nthreads = 0", "s.toml:2: client.threads: ", "between 1 and 16"},
        {"[expect]\nmax_resyncs = -1", "s.toml:2: expect.max_resyncs: ", ">= 0"},
        {"[proxy]\nmax_queued = \"lots\"", "s.toml:2: proxy.max_queued: ", "lots"},
        {"client = 3", "s.toml:1: client: ", "expected a table"},
        {"duration = \"5s\"\ntimeline = \"6s heal\"", "s.toml:2: timeline: ", "after the end of publishing"},
        {"[client]\nbackoff_base = \"2s\"\nbackoff_cap = \"1s\"", "s.toml:3: client.backoff_cap: ", ">= backoff_base"},
        {"subscribers = ", "s.toml:1:", ""},  // TOML syntax: line and column
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto s = parse(r.text);
        REQUIRE_FALSE(s.ok());
        CHECK_THAT(s.error(), Catch::StartsWith(r.where));
        CHECK_THAT(s.error(), Catch::Contains(r.what));
    }
}

TEST_CASE("scenario: files", "[chaos][scenario]") {
    auto missing = load_scenario("/nonexistent/x.toml");
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error(), Catch::Contains("/nonexistent/x.toml"));

    for (const char* name : {"blackhole-short", "partition-long", "reset-storm", "slow-link", "server-restart"}) {
        INFO(name);
        auto s = load_scenario(std::string(RT_SOURCE_DIR) + "/scenarios/" + name + ".toml");
        REQUIRE(s.ok());
        CHECK(s->name == name);
        CHECK(s->spec_path == std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec");
        CHECK_FALSE(s->timeline.empty());
        CHECK(s->duration_ms <= 10000ms);  // each shipped scenario stays short
    }
}

TEST_CASE("scenario: run helpers", "[chaos][scenario]") {
    CHECK(server_process::port_from_line("rt serve: listening on ws://127.0.0.1:41357/live (dev mode)") == 41357);
    CHECK(server_process::port_from_line("listening on ws://127.0.0.1:0/live") == 0);
    CHECK(server_process::port_from_line("listening on ws://127.0.0.1:99999/live") == 0);
    CHECK(server_process::port_from_line("something else") == 0);

    CHECK(change_key({{"id", "t1"}, {"title", "p7"}}) == "t1@p7");
    CHECK(change_key({{"id", "t1"}, {"title", "p7|xxxxxxxx"}}) == "t1@p7");
    CHECK(change_key({{"id", "t1"}}) == "t1@?");
    CHECK(change_key(nlohmann::json::array()) == "?@?");
}

TEST_CASE("scenario: an external target with its token and commands", "[chaos][scenario][target]") {
    auto s = parse(R"TOML(
target = "ws://127.0.0.1:9000/app/live?tenant=t1"
token = "s3cret"
publish_url = "http://127.0.0.1:9000/api"
kill_cmd = "kill -9 $(cat server.pid)"
restart_cmd = "./start-server.sh"
command_timeout = "5s"
timeline = "1s kill_server; 2s restart_server"
)TOML");
    REQUIRE(s.ok());
    CHECK(s->publish_url == "http://127.0.0.1:9000/api");
    CHECK(s->target == "ws://127.0.0.1:9000/app/live?tenant=t1");
    CHECK(s->token == "s3cret");
    CHECK(s->kill_cmd == "kill -9 $(cat server.pid)");
    CHECK(s->restart_cmd == "./start-server.sh");
    CHECK(s->command_timeout_ms == 5000ms);
    CHECK(check_target_steps(*s).ok());

    auto defaults = parse("");
    REQUIRE(defaults.ok());
    CHECK(defaults->target.empty());
    CHECK(defaults->token.empty());
    CHECK(defaults->command_timeout_ms == 30000ms);
}

TEST_CASE("scenario: with a target, kill and restart steps need their commands", "[chaos][scenario][target]") {
    struct row {
        const char* text;
        const char* what;  // expected in the message
    };
    const row rows[] = {
        {"target = \"ws://127.0.0.1:9000/live\"\ntimeline = \"1s kill_server; 2s restart_server\"",
         "s.toml: timeline: step \"1s kill_server\" needs kill_cmd"},
        {"target = \"ws://127.0.0.1:9000/live\"\nkill_cmd = \"true\"\ntimeline = \"1s kill_server; 2s restart_server\"",
         "step \"1s kill_server\" needs restart_cmd: the target ws://127.0.0.1:9000/live is not a server rt partition "
         "started, so it cannot restart it"},
        {"target = \"ws://127.0.0.1:9000/live\"\nkill_cmd = \"true\"\ntimeline = \"1s kill_server\"",
         "step \"1s kill_server\" needs restart_cmd"},  // the run brings the target back at the end
        {"target = \"http://127.0.0.1:9000/live\"", "s.toml:1: target: "},
        {"target = 9000", "s.toml:1: target: expected a WebSocket URL"},
        {"command_timeout = \"0s\"", "s.toml:1: command_timeout: must be longer than 0"},
        {"publish_url = \"https://api.example.com/api\"", "IPv4 address or localhost"},
        {"ca = \"ca.pem\"\ninsecure_skip_verify = true", "s.toml: ca and insecure_skip_verify exclude each other"},
        {"publish_url = \"http://api.example.com/api\"", "IPv4 address or localhost"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto s = parse(r.text);
        REQUIRE_FALSE(s.ok());
        CHECK_THAT(s.error(), Catch::Contains(r.what));
    }
    // A target without kill or restart steps needs no command; faults only are fine.
    CHECK(parse("target = \"ws://127.0.0.1:9000/live\"\ntimeline = \"1s blackhole; 2s heal\"").ok());
    // Without a target the commands wait for a --target: no error.
    CHECK(parse("kill_cmd = \"true\"\nrestart_cmd = \"true\"\ntimeline = \"1s kill_server; 2s restart_server\"").ok());
    // --target overrides after loading: the same check, on the scenario as it then is.
    auto restart = parse("timeline = \"1s kill_server; 2s restart_server\"");
    REQUIRE(restart.ok());
    restart->target = "ws://127.0.0.1:9000/live";
    auto checked = check_target_steps(*restart);
    REQUIRE_FALSE(checked.ok());
    CHECK_THAT(checked.error(), Catch::Contains("needs kill_cmd"));
}
