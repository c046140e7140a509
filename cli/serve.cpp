// `rt serve`: flags (one per row of server::server_settings()) → server_config → run_server.
// `--check` validates a spec without serving it (the same as `rt spec check`, cli/spec_check.*).
#include <cstdio>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "cli/spec_check.hpp"
#include "server/server_config.hpp"
#include "server/server_settings.hpp"
#include "server/run_server.hpp"

namespace rt::cli {

namespace {

// The text of each option, by name, as CLI11 stores it; the table says what it means.
struct serve_flags {
    std::map<std::string, std::string> text;
    std::map<std::string, bool> on;  // on/off flags
    bool given(const std::string& name) const { return cmd->count("--" + name) > 0; }
    CLI::App* cmd = nullptr;
};

// Applies the flags the user gave (they win over the config file), each through its row of the
// settings table. Returns ok, or an error message naming the flag.
result<void, std::string> apply_flags(const serve_flags& f, server::server_config& cfg) {
    for (const auto& s : server::server_settings()) {
        if (s.command_only || !f.given(s.name)) continue;
        server::setting_input in;
        in.from_flag = true;
        if (s.on_off()) in.value = true;
        else in.value = f.text.at(s.name);
        if (auto r = s.apply(cfg, "--" + s.name, in); !r) return r;
    }
    return {};
}

}  // namespace

void register_serve(CLI::App& app, registry& reg) {
    auto f = std::make_shared<serve_flags>();
    CLI::App* cmd = app.add_subcommand("serve", "Run the reference server: spec-declared live subscriptions over WebSocket");
    cmd->footer(
        "Examples:\n"
        "  rt serve --spec scenarios/kanban.spec                 # dev server on 127.0.0.1:8080\n"
        "  rt serve --spec app.spec --listen 127.0.0.1:0         # pick a free port (printed on stderr)\n"
        "  rt serve --spec app.spec --check                      # validate the spec (= rt spec check app.spec)\n"
        "  rt serve --spec app.spec --check --tokens tokens.toml # ... and the tokens file against it\n"
        "  rt serve --spec app.spec --db rt.db --tokens tokens.toml --listen 0.0.0.0:8080\n"
        "  rt serve --spec app.spec --watch                      # reload the spec on save, keeping connections\n"
        "\nEndpoints: ws://HOST:PORT/live (protocol v1), /api/<Entity>[/<id>] (REST), /api/_asyncapi, /healthz, /metrics.\n"
        "SIGHUP reloads the spec, then the --tokens file (each checked first; a bad one keeps the old one and logs why).\n"
        "A reloaded spec keeps every connection: each gets spec_changed; unchanged subscriptions keep their seq,\n"
        "changed ones get a fresh snapshot, removed ones end (docs/operations.md, \"Live spec reload\").\n"
        "Every setting may also come from --config FILE (TOML; keys are the flag names with '_' for '-'); flags win.\n"
        "Durations: 250ms, 5s, 2m. Sizes: 64KiB, 1MiB.\n"
        "Exit codes: 0 clean shutdown (SIGINT/SIGTERM) or valid spec with --check; 1 runtime failure or\n"
        "invalid spec with --check; 2 usage error (bad flag, config, tokens or spec).");
    f->cmd = cmd;
    for (const auto& s : server::server_settings()) {
        if (s.on_off()) cmd->add_flag("--" + s.name, f->on[s.name], s.help);
        else cmd->add_option("--" + s.name, f->text[s.name], s.help)->type_name(s.arg);
    }
    cmd->callback([f, &reg] {
        reg.action = [f]() -> int {
            if (f->on["check"]) {
                const std::string& spec = f->text["spec"];
                if (spec.empty()) {
                    std::fprintf(stderr, "rt serve --check: error: --spec FILE is required\n");
                    return 2;
                }
                return check_spec_file("rt serve --check", spec, f->text["tokens"]);
            }
            server::server_config cfg;
            if (const std::string& file = f->text["config"]; !file.empty()) {
                auto r = server::apply_config_file(cfg, file);
                if (!r) {
                    std::fprintf(stderr, "rt serve: error: %s\n", r.error().c_str());
                    return 2;
                }
            }
            if (auto r = apply_flags(*f, cfg); !r) {
                std::fprintf(stderr, "rt serve: error: %s\n", r.error().c_str());
                return 2;
            }
            return server::run_server(cfg);
        };
    });
}

}  // namespace rt::cli
