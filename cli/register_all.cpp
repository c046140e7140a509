#include "cli/commands.hpp"

#include <cstdio>
#include <fstream>

namespace rt::cli {

int usage_error(const char* command, const std::string& why) {
    std::fprintf(stderr, "rt %s: error: %s\n", command, why.c_str());
    return exit_usage;
}

bool write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out.flush());
}

void register_check(CLI::App& app, registry& reg);
void register_serve(CLI::App& app, registry& reg);
void register_loadgen(CLI::App& app, registry& reg);
void register_partition(CLI::App& app, registry& reg);
void register_subscribe(CLI::App& app, registry& reg);
void register_publish(CLI::App& app, registry& reg);
void register_token(CLI::App& app, registry& reg);
void register_spec(CLI::App& app, registry& reg);

void register_all(CLI::App& app, registry& reg) {
    register_serve(app, reg);
    register_loadgen(app, reg);
    register_partition(app, reg);
    register_subscribe(app, reg);
    register_publish(app, reg);
    register_check(app, reg);
    register_token(app, reg);
    register_spec(app, reg);
}

}  // namespace rt::cli
