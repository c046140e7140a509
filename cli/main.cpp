// rt: one binary, one subcommand per file in cli/. main() only wires them together.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "report/html_page.hpp"

int main(int argc, char** argv) {
    CLI::App app{"rt — run, debug, load-test and break real-time WebSocket backends"};
    app.set_version_flag("--version", std::string("rt ") + RT_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Exit codes: 0 success, 1 runtime failure or threshold breached, 2 usage error.\n"
        "Run `rt SUBCOMMAND --help` for each command's options and exit codes.");

    rt::cli::registry reg;
    reg.command_line = rt::report::quote_command_line(argc, argv);
    reg.args.assign(argv + 1, argv + argc);
    rt::cli::register_all(app, reg);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        return reg.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rt: error: %s\n", e.what());
        return 1;
    }
}
