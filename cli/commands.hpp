#pragma once
// Each subcommand file registers its flags on the CLI11 app and sets the action to run.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rt::cli {

// Exit codes every subcommand shares; each command's --help lists them with its own extra ones.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;  // a runtime failure, or a threshold / check not met
constexpr int exit_usage = 2;    // bad flag, value or input file: nothing was done

// Prints "rt COMMAND: error: WHY" on stderr and returns exit_usage.
int usage_error(const char* command, const std::string& why);

// Writes `text` to `path` (replacing it); false when it cannot (the caller names the file).
bool write_text_file(const std::string& path, const std::string& text);

struct registry {
    std::function<int()> action;  // set by the subcommand that was selected
    std::string command_line;     // how rt was invoked, for reports that say where they came from
    std::vector<std::string> args;  // the same, unquoted, without argv[0]: to start a copy of this command
    int run() const { return action ? action() : 2; }
};

// Register each subcommand once it works. Defined in register_all.cpp.
void register_all(CLI::App& app, registry& reg);

}  // namespace rt::cli
