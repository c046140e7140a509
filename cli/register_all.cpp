#include "cli/commands.hpp"

namespace rt::cli {

void register_serve(CLI::App& app, registry& reg);
void register_loadgen(CLI::App& app, registry& reg);

void register_all(CLI::App& app, registry& reg) {
    register_serve(app, reg);
    register_loadgen(app, reg);
}

}  // namespace rt::cli
