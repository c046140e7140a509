#pragma once
// The flags every client command shares (subscribe, publish; loadgen and partition may too):
// --url (env RT_URL) and --token (env RT_TOKEN), and for wss:// URLs --ca FILE and
// --insecure-skip-verify, registered and checked in one place.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "client/ws_connection.hpp"
#include "protocol/result.hpp"

namespace rt::cli {

// The dev server's address (`rt serve` with no --listen): works out of the box locally.
constexpr const char* k_default_url = "ws://127.0.0.1:8080/live";

// The exit code of a client command that refused the server's TLS certificate (unknown CA,
// expired, wrong host name): retrying cannot help, and a script must tell it from "cannot connect".
constexpr int k_exit_tls_refused = 5;

struct client_flags {
    std::string url = k_default_url;
    std::vector<std::string> urls;  // --url given several times (url_flag::repeatable); else empty
    std::string token;
    client::tls_trust tls;  // --ca FILE, --insecure-skip-verify
};

// How many --url a command takes: one (into client_flags::url), or any number (into ::urls:
// `rt loadgen --url A --url B` spreads its connections over several servers).
enum class url_flag { single, repeatable };

// Adds --url and --token (with their environment variables) to `cmd`. `f` must outlive parsing.
void add_client_flags(CLI::App& cmd, client_flags& f, url_flag urls = url_flag::single);

// Adds --ca FILE and --insecure-skip-verify alone (add_client_flags adds them too): for commands
// whose server URL comes from elsewhere (`rt partition run`'s scenario target).
void add_tls_flags(CLI::App& cmd, client::tls_trust& tls);

// Ok unless --ca and --insecure-skip-verify are both given; with `secure` (a wss:// or https://
// server) prints the warning --insecure-skip-verify calls for on stderr, once, as `command`.
result<void, std::string> check_tls_flags(const client::tls_trust& tls, bool secure, const char* command);

// Ok when the URL is usable, else its problem ("--url: expected ws://HOST[:PORT]/PATH ...").
// Prints the warning --insecure-skip-verify calls for on stderr, once, as `command`.
result<void, std::string> check_client_flags(const client_flags& f, const char* command);

// Transport options carrying the token (never put in the URL text we print) and the TLS settings.
client::ws_options ws_options_of(const client_flags& f);

// The help text both commands put in their footer about these flags.
extern const char* const k_client_flags_help;

}  // namespace rt::cli
