// `rt publish`: one change from flags, or many from JSON lines on stdin, over one connection.
// The engine (parsing, pipelining, in-order results) lives in client/publisher.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/client_flags.hpp"
#include "cli/commands.hpp"
#include "client/publisher.hpp"
#include "client/sync_client.hpp"
#include "protocol/units.hpp"

namespace rt::cli {

namespace {

constexpr int exit_failed = exit_failure;  // a change failed

struct publish_flags {
    client_flags client;
    std::string entity, op, id, data;
    bool from_stdin = false, keep_going = false;
    std::string rate = "100/s";
    std::size_t window = 64;
};

int run(CLI::App& cmd, const publish_flags& f) {
    if (auto usable = check_client_flags(f.client, "publish"); !usable) return usage_error("publish", usable.error());
    std::optional<client::publish_request> single;
    if (f.from_stdin) {
        for (const char* flag : {"ENTITY", "--op", "--id", "--data"})
            if (cmd.count(flag)) return usage_error("publish", std::string("--stdin reads ENTITY, operation and data from each line; drop ") + flag);
    } else {
        if (f.entity.empty()) return usage_error("publish", "ENTITY is required (or --stdin for JSON lines)");
        if (!cmd.count("--op")) return usage_error("publish", "--op insert|update|delete is required");
        auto r = client::make_publish_request(f.entity, f.op,
                                              cmd.count("--id") ? std::optional<std::string>(f.id) : std::nullopt, f.data);
        if (!r) return usage_error("publish", r.error());
        single = std::move(*r);
    }
    client::publish_options options;
    auto rate = proto::parse_rate(f.rate);
    if (!rate) return usage_error("publish", "--rate: " + rate.error());
    options.rate_per_s = *rate;
    options.keep_going = f.keep_going;
    options.window = f.window;

    // 5 s: a local server answers at once; a dead one should fail fast, not hang a script.
    auto con = client::sync_client::connect(f.client.url, std::chrono::seconds(5), ws_options_of(f.client));
    if (!con) {
        std::fprintf(stderr, "rt publish: error: cannot connect to %s: %s\n", f.client.url.c_str(), con.error().c_str());
        return exit_failed;
    }
    client::sync_client& client = *con.value();

    auto sink = [&](const client::publish_outcome& o) {
        const std::string where = f.from_stdin ? "line " + std::to_string(o.line) + ": " : "";
        if (o.ok) {
            std::string text = o.data.dump();
            text.push_back('\n');
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        } else {
            std::fprintf(stderr, "rt publish: %s%s: %s\n", where.c_str(), o.error_code.c_str(), o.message.c_str());
        }
    };
    client::publish_totals totals;
    if (single) {
        totals = client::run_publish_one(client, *single, sink, options);
    } else {
        client::line_source next = []() -> std::optional<std::string> {
            std::string line;
            if (!std::getline(std::cin, line)) return std::nullopt;
            return line;
        };
        totals = client::run_publish(client, next, sink, options);
        std::fprintf(stderr, "rt publish: %llu published, %llu failed%s\n", static_cast<unsigned long long>(totals.ok),
                     static_cast<unsigned long long>(totals.failed),
                     totals.failed && !f.keep_going ? " (stopped at the first failure; --keep-going goes on)" : "");
    }
    client.close();
    client.wait_closed(std::chrono::seconds(1));  // a clean close, so the server logs no error
    return totals.failed == 0 ? exit_ok : exit_failed;
}

}  // namespace

void register_publish(CLI::App& app, registry& reg) {
    auto f = std::make_shared<publish_flags>();
    CLI::App* cmd = app.add_subcommand("publish", "Make a change (insert/update/delete) and print the stored row");
    cmd->footer(std::string(
        "Examples:\n"
        "  rt publish Task --op insert --data '{\"id\":\"t1\",\"title\":\"Write docs\",\"status\":\"todo\",\"board\":\"b1\"}'\n"
        "  rt publish Task --op update --id t1 --data '{\"status\":\"doing\"}'   # a merge, like PATCH\n"
        "  rt publish Task --op delete --id t1\n"
        "  rt publish --stdin < changes.jsonl   # lines: {\"entity\":\"Task\",\"operation\":\"insert\",\"data\":{...}}\n"
        "\nstdout: the stored row of each change (the server's `published` reply data), one JSON line each, in\n"
        "input order. stderr: the server's error code and message for each failure (with its line number\n"
        "under --stdin). --stdin sends many lines at once over one connection (--window) paced to --rate\n"
        "(the server's default per-connection limit); it stops at the first failure unless --keep-going,\n"
        "but lines already in flight then still complete and are reported (--window 1 for a strict stop).\n") +
        k_client_flags_help +
        "Exit codes: 0 every change published; 1 a change failed (server error, invalid stdin line,\n"
        "cannot connect, connection lost); 2 usage error (bad flag, bad JSON in --data, missing --op/--id).");
    add_client_flags(*cmd, f->client);
    cmd->add_option("ENTITY", f->entity, "Entity declared in the spec (Task, User ...)");
    cmd->add_option("--op", f->op, "insert, update or delete")->check(CLI::IsMember({"insert", "update", "delete"}));
    cmd->add_option("--id", f->id, "Row id (sets data.id); required for update and delete unless in --data");
    cmd->add_option("--data", f->data, "The row (insert) or the changed fields (update) as a JSON object");
    cmd->add_flag("--stdin", f->from_stdin, "Read changes as JSON lines from stdin instead");
    cmd->add_flag("--keep-going", f->keep_going, "--stdin: go on after a failed line (exit 1 at the end)");
    cmd->add_option("--rate", f->rate, "--stdin: at most RATE changes per second; 0 = unpaced [100/s]");
    cmd->add_option("--window", f->window, "--stdin: changes in flight at once [64]")->check(CLI::Range(1, 10000));
    cmd->callback([cmd, f, &reg] { reg.action = [cmd, f] { return run(*cmd, *f); }; });
}

}  // namespace rt::cli
