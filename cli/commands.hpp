#pragma once
// Each subcommand file registers its flags on the CLI11 app and sets the action to run.
#include <functional>

#include <CLI/CLI.hpp>

namespace rt::cli {

struct registry {
    std::function<int()> action;  // set by the subcommand that was selected
    int run() const { return action ? action() : 2; }
};

// Register each subcommand once it works. Defined in register_all.cpp.
void register_all(CLI::App& app, registry& reg);

}  // namespace rt::cli
