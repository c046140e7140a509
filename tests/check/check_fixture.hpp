#pragma once
// Test support for rt check: a real `rt serve` (any spec, any flags), the check's inputs prepared
// against it, and runs of chosen cases either straight at the server or through a breaking_relay
// whose rule breaks one protocol rule.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "check/breaking_relay.hpp"
#include "check/check_runner.hpp"
#include "check/check_setup.hpp"
#include "support/rt_process.hpp"

namespace rt::test {

// rt serve flags that make the heartbeat cases (group 8) take ~2 s instead of 30 s.
inline std::vector<std::string> quick_heartbeat(std::vector<std::string> more = {}) {
    std::vector<std::string> v{"--ping-interval", "1s", "--pong-timeout", "500ms"};
    v.insert(v.end(), more.begin(), more.end());
    return v;
}

inline std::string check_spec_path(const std::string& name) { return std::string(RT_SOURCE_DIR) + "/scenarios/" + name; }

struct check_fixture {
    // `rt serve --spec scenarios/<spec> EXTRA...`; the check reads the spec from the file; `token`
    // is what the check connects with ("" in development mode), `limited_token` its --limited-token.
    explicit check_fixture(const std::string& spec = "kanban.spec", std::vector<std::string> extra = {},
                           std::string token = {}, std::string limited_token = {})
        : server(std::move(extra), check_spec_path(spec)), spec_file(check_spec_path(spec)), token_(std::move(token)),
          limited_token_(std::move(limited_token)) {}

    // Runs the cases matching `pattern` against `url` (the server, or a relay in front of it).
    check::check_run run_at(const std::string& url, const std::string& pattern) {
        // Each step's bound (reading the spec, a reply, an event): under ASan the server is several
        // times slower and 2 s did not always suffice there.
        const std::chrono::milliseconds step(rt::test::built_with_asan() ? 5000 : 2000);
        auto in = check::prepare_check(url, token_, spec_file, step, limited_token_);
        INFO("prepare_check: " << (in.ok() ? std::string() : in.error().message));
        REQUIRE(in.ok());
        auto cases = check::select_cases({pattern});
        REQUIRE(cases.ok());
        REQUIRE(!cases->empty());
        return check::run_cases(in->target, in->shape, in->info, *cases, "rtcheck-test");
    }
    // The cases straight against the server.
    check::check_run run(const std::string& pattern) { return run_at(server.ws_url(), pattern); }
    // The cases through a relay applying `rule`.
    check::check_run run_broken(const std::string& pattern, rule_factory rule) {
        breaking_relay relay(server.port(), std::move(rule));
        return run_at(relay.ws_url(), pattern);
    }

    rt_server server;
    std::string spec_file;

private:
    std::string token_;
    std::string limited_token_;
};

// The one result of a run of one case.
inline const check::case_result& only_case(const check::check_run& run) {
    REQUIRE(run.results.size() == 1);
    return run.results.front();
}

// The case ran against the broken peer and failed (not skipped: a skip would prove nothing).
#define REQUIRE_CASE_FAILS(run)                                                        \
    do {                                                                               \
        const auto& run_ = (run); /* a temporary lives to the end of the block */        \
        const auto& r_ = ::rt::test::only_case(run_);                                  \
        INFO(r_.id << " " << r_.reason << "\n" << r_.transcript_text);                 \
        REQUIRE(r_.status == ::rt::check::case_status::fail);                          \
    } while (0)

#define REQUIRE_CASE_PASSES(run)                                                       \
    do {                                                                               \
        const auto& run_ = (run); /* a temporary lives to the end of the block */        \
        const auto& r_ = ::rt::test::only_case(run_);                                  \
        INFO(r_.id << " " << r_.reason << "\n" << r_.transcript_text);                 \
        REQUIRE(r_.status == ::rt::check::case_status::pass);                          \
    } while (0)

}  // namespace rt::test
