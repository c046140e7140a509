#include "cli/commands.hpp"

#include <cstdio>

namespace rt::cli {

int usage_error(const char* command, const std::string& why) {
    std::fprintf(stderr, "rt %s: error: %s\n", command, why.c_str());
    return exit_usage;
}

void register_serve(CLI::App& app, registry& reg);
void register_loadgen(CLI::App& app, registry& reg);
void register_partition(CLI::App& app, registry& reg);
void register_subscribe(CLI::App& app, registry& reg);
void register_publish(CLI::App& app, registry& reg);

void register_all(CLI::App& app, registry& reg) {
    register_serve(app, reg);
    register_loadgen(app, reg);
    register_partition(app, reg);
    register_subscribe(app, reg);
    register_publish(app, reg);
}

}  // namespace rt::cli
