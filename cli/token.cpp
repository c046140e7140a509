// `rt token`: mint a JWT for development and tests, or decode one. The logic is
// server/token_tool.* (claims, signing, the description); this file parses flags.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "protocol/units.hpp"
#include "server/token_tool.hpp"

namespace rt::cli {

namespace {

constexpr int exit_invalid = exit_failure;  // --decode: expired, not yet valid, or a bad signature

struct token_flags {
    server::mint_request mint;
    std::string ttl = "1h";
    std::string secret_file, private_key_file, public_key_file;
    std::string decode;
};

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int run_decode(CLI::App& cmd, const token_flags& f) {
    for (const char* flag : {"--sub", "--subscribe", "--publish", "--presence", "--filter", "--publish-filter", "--admin",
                             "--aud", "--iss", "--ttl", "--private-key", "--spec"})
        if (cmd.count(flag)) return usage_error("token", std::string("--decode reads a token; ") + flag + " is for minting one");
    auto d = server::describe_token(f.decode, f.secret_file, f.public_key_file, now_ms());
    if (!d) return usage_error("token", d.error());
    std::printf("%s\n", d->dump(2).c_str());
    const bool valid = (*d)["valid"].get<bool>();
    std::fprintf(stderr, "rt token: %s; signature %s\n", (*d)["status"].get<std::string>().c_str(),
                 (*d)["signature"].get<std::string>().c_str());
    return valid ? exit_ok : exit_invalid;
}

int run(CLI::App& cmd, token_flags f) {
    if (!f.decode.empty()) return run_decode(cmd, f);
    if (cmd.count("--public-key")) return usage_error("token", "--public-key verifies with --decode; minting needs --secret-file or --private-key");
    auto ttl = proto::parse_duration(f.ttl);
    if (!ttl) return usage_error("token", "--ttl: " + ttl.error());
    f.mint.ttl = *ttl;
    auto claims = server::mint_claims(f.mint, now_ms() / 1000);
    if (!claims) return usage_error("token", claims.error());
    auto token = server::sign_with_file(*claims, f.secret_file, f.private_key_file);
    if (!token) return usage_error("token", token.error());
    std::printf("%s\n", token->c_str());
    return exit_ok;
}

}  // namespace

void register_token(CLI::App& app, registry& reg) {
    auto f = std::make_shared<token_flags>();
    CLI::App* cmd = app.add_subcommand("token", "Mint a JWT for rt serve --jwt-secret-file/--jwt-public-key, or decode one");
    cmd->footer(
        "Examples:\n"
        "  openssl rand -hex 32 > jwt.secret\n"
        "  rt token --secret-file jwt.secret --sub alice --subscribe TaskUpdates --filter TaskUpdates.board=b1 --ttl 1h\n"
        "  rt token --private-key ec.pem --sub ops --admin          # ES256 (EC P-256) or RS256 (RSA) by the key\n"
        "  rt token --decode TOKEN [--secret-file jwt.secret | --public-key pub.pem]\n"
        "\nMinting prints the token on stdout. The rights flags fill the `rt` claim, with the meaning of a\n"
        "tokens-file entry (docs/operations.md, \"The rights model\"); --spec checks them as rt serve would.\n"
        "--decode prints {header, claims, status, signature, valid} as JSON on stdout and a summary on stderr;\n"
        "the signature is checked when a key is given.\n"
        "Exit codes: 0 token printed, or --decode: valid now (and the signature verified when a key was given);\n"
        "1 --decode: expired, not yet valid, missing claims, or a bad signature; 2 usage error (bad flag,\n"
        "unreadable key, rights that do not match --spec, not a JWT).");
    cmd->add_option("--sub", f->mint.sub, "The user (claim sub)");
    cmd->add_option("--subscribe", f->mint.subscribe, "Subscriptions the user may subscribe to (repeatable; * for all)");
    cmd->add_option("--publish", f->mint.publish, "Entities the user may change (repeatable; * for all)");
    cmd->add_option("--presence", f->mint.presence, "Presence resources the user may join (repeatable; board:* for a prefix)");
    cmd->add_option("--filter", f->mint.filters, "Row scope NAME.ATTRIBUTE=VALUE, NAME a subscription or entity (repeatable)");
    cmd->add_option("--publish-filter", f->mint.publish_filters, "Rows the user may change ENTITY.ATTRIBUTE=VALUE (repeatable)");
    cmd->add_flag("--admin", f->mint.admin, "May read /metrics");
    cmd->add_option("--aud", f->mint.audience, "Claim aud (rt serve --jwt-audience)");
    cmd->add_option("--iss", f->mint.issuer, "Claim iss (rt serve --jwt-issuer)");
    cmd->add_option("--ttl", f->ttl, "Lifetime: exp = now + TTL [1h]");
    cmd->add_option("--spec", f->mint.spec_path, "Check the rights against this spec first");
    cmd->add_option("--secret-file", f->secret_file, "HS256 secret file (at least 32 bytes; one trailing newline ignored)");
    cmd->add_option("--private-key", f->private_key_file, "PEM private key: RS256 (RSA) or ES256 (EC P-256)");
    cmd->add_option("--public-key", f->public_key_file, "--decode: PEM public key to verify with");
    cmd->add_option("--decode", f->decode, "Print a token's header and claims, whether it is valid now, and its signature");
    cmd->callback([cmd, f, &reg] { reg.action = [cmd, f] { return run(*cmd, *f); }; });
}

}  // namespace rt::cli
