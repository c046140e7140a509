#pragma once
// Helpers for the end-to-end tests of `rt subscribe` and `rt publish`: servers on a chosen port
// (to restart one where it was), stdout parsed as JSON lines, and publishing through `rt publish`.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/rt_process.hpp"

namespace rt::test {

using json = nlohmann::json;

constexpr auto k_cli_wait = std::chrono::milliseconds(15000);  // a loaded 2-core CI box, several processes

// `rt serve --spec kanban.spec --listen 127.0.0.1:PORT EXTRA...`, listening when returned.
inline std::unique_ptr<rt_process> serve_on(int port, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"serve", "--spec", kanban_spec_path(), "--listen", "127.0.0.1:" + std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<rt_process>(args);
    INFO(p->err());
    REQUIRE(p->wait_for_output("listening on ws://", k_cli_wait));
    return p;
}

// Every non-empty line of `text` parsed as JSON (a line that is not JSON fails the test).
inline std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        if (!line.empty()) {
            json j = json::parse(line, nullptr, false);
            INFO("line: " << line);
            REQUIRE_FALSE(j.is_discarded());
            out.push_back(std::move(j));
        }
        start = end + 1;
    }
    return out;
}

inline std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + part.size())) ++n;
    return n;
}

// `rt publish Task --op insert --data {"id":ID,...}` against `url`; requires success.
inline json publish_task(const std::string& url, const std::string& id, const std::string& status = "todo") {
    const json data = {{"id", id}, {"title", "task " + id}, {"status", status}, {"board", "b1"}, {"priority", 1}};
    auto r = run_rt({"publish", "Task", "--op", "insert", "--data", data.dump(), "--url", url});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    auto lines = json_lines(r.out);
    REQUIRE(lines.size() == 1);
    return lines[0];
}

// Waits until `p` has printed the event with this seq (`"seq":N,` in a JSON line).
inline bool wait_for_seq(rt_process& p, std::uint64_t seq, std::chrono::milliseconds timeout = k_cli_wait) {
    return p.wait_for_output("\"seq\":" + std::to_string(seq) + ",", timeout, true);
}

}  // namespace rt::test
