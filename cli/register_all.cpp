#include "cli/commands.hpp"

namespace rt::cli {

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
