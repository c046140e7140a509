// `rt spec`: what can be done with a spec file without a server. `rt spec check` validates it
// (cli/spec_check.*, shared with `rt serve --check`); `rt spec asyncapi` prints the AsyncAPI 3.0
// document of its endpoint (protocol/asyncapi.*; YAML by protocol/yaml_text.*).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/spec_check.hpp"
#include "protocol/asyncapi.hpp"
#include "protocol/spec.hpp"
#include "protocol/yaml_text.hpp"

namespace rt::cli {

namespace {

struct spec_check_flags {
    std::string spec, tokens;
};

struct asyncapi_flags {
    std::string spec;
    std::string url = "ws://localhost:8080/live";  // rt serve's defaults: --listen port 8080, --path /live
    std::string format = "yaml";                   // for people; json for tools
    std::string output;                            // empty: stdout
    std::vector<std::string> auth;                 // "tokens", "jwt"; none: development mode
};

int run_asyncapi(const asyncapi_flags& f) {
    const char* cmd = "spec asyncapi";
    spec::asyncapi_options opts;
    if (auto u = spec::set_asyncapi_url(opts, f.url); !u) return usage_error(cmd, "--url '" + f.url + "': " + u.error());
    for (const std::string& kind : f.auth) {
        if (kind == "tokens") opts.tokens_file = true;
        else if (kind == "jwt") opts.jwt = true;
        else if (kind != "none") return usage_error(cmd, "--auth '" + kind + "': expected none, tokens or jwt");
    }
    auto app = spec::load_spec_file(f.spec);
    if (!app) {
        for (const auto& e : app.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
        return usage_error(cmd, std::to_string(app.error().size()) + " error(s) in " + f.spec);
    }
    const auto doc = spec::to_asyncapi(*app, opts);
    const std::string text = f.format == "json" ? doc.dump(2) + "\n" : proto::to_yaml(doc);
    if (f.output.empty() || f.output == "-") {
        std::fputs(text.c_str(), stdout);
        return exit_ok;
    }
    if (!write_text_file(f.output, text)) {
        std::fprintf(stderr, "rt spec asyncapi: error: cannot write %s\n", f.output.c_str());
        return exit_failure;
    }
    std::fprintf(stderr, "rt spec asyncapi: wrote %s (%s, %zu channels)\n", f.output.c_str(), f.format.c_str(),
                 doc["channels"].size());
    return exit_ok;
}

// A subcommand of `rt spec` that works on one spec file: `footer` under its help, its positional
// SPEC read into `spec_path`. Add its own options and callback to what it returns.
CLI::App* add_spec_file_command(CLI::App& spec, const std::string& name, const std::string& what,
                                const std::string& footer, std::string& spec_path) {
    CLI::App* cmd = spec.add_subcommand(name, what);
    cmd->footer(footer);
    cmd->add_option("spec", spec_path, "The spec file")->required()->type_name("FILE");
    return cmd;
}

}  // namespace

void register_spec(CLI::App& app, registry& reg) {
    CLI::App* spec = app.add_subcommand("spec", "Work with a spec file offline: check it, describe its endpoint as AsyncAPI");
    spec->require_subcommand(1);
    spec->footer("Run `rt spec check --help` or `rt spec asyncapi --help` for each one's options.");

    auto c = std::make_shared<spec_check_flags>();
    CLI::App* check = add_spec_file_command(
        *spec, "check", "Validate a spec (and a tokens file against it); print what it declares",
        "Examples:\n"
        "  rt spec check scenarios/kanban.spec\n"
        "  rt spec check app.spec --tokens tokens.toml\n"
        "\nThe same as `rt serve --spec FILE --check`. Errors: FILE:LINE:COL: error: MESSAGE on stderr.\n"
        "Exit codes: 0 valid; 1 errors in the spec or the tokens file; 2 usage error.",
        c->spec);
    check->add_option("--tokens", c->tokens, "Also check this tokens file against the spec")->type_name("FILE");
    check->callback([c, &reg] { reg.action = [c] { return check_spec_file("rt spec check", c->spec, c->tokens); }; });

    auto a = std::make_shared<asyncapi_flags>();
    CLI::App* asyncapi = add_spec_file_command(
        *spec, "asyncapi", "Print the AsyncAPI 3.0 document of a spec's WebSocket endpoint",
        "Examples:\n"
        "  rt spec asyncapi scenarios/kanban.spec                          # YAML on stdout\n"
        "  rt spec asyncapi app.spec --url wss://rt.example.com/live --auth jwt --format json -o asyncapi.json\n"
        "\nOne channel per subscription, the messages of protocol v1 with JSON Schemas of the entities' rows,\n"
        "filters and publish data (docs/asyncapi.md). A running server serves the same at GET /api/_asyncapi.\n"
        "--auth says what the server takes: none (rt serve without tokens), tokens (--tokens FILE), jwt (a JWT key;\n"
        "adds refresh); repeat it for both.\n"
        "Exit codes: 0 printed; 1 cannot write --output; 2 usage error (bad flag, spec errors as FILE:LINE:COL).",
        a->spec);
    asyncapi->add_option("--url", a->url, "The server's WebSocket URL, ws://HOST[:PORT][/PATH] or wss://... [ws://localhost:8080/live]")
        ->type_name("URL");
    asyncapi->add_option("--format", a->format, "yaml or json [yaml]")->check(CLI::IsMember({"yaml", "json"}))->type_name("FORMAT");
    asyncapi->add_option("-o,--output", a->output, "Write the document to FILE instead of stdout")->type_name("FILE");
    asyncapi->add_option("--auth", a->auth, "none, tokens or jwt; repeatable [none]")
        ->type_name("KIND")
        ->allow_extra_args(false);  // one value per --auth, so a spec file after it stays the positional
    asyncapi->callback([a, &reg] { reg.action = [a] { return run_asyncapi(*a); }; });
}

}  // namespace rt::cli
