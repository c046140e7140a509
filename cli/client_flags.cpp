#include "cli/client_flags.hpp"

#include <cstdio>

#include "client/ws_url.hpp"

namespace rt::cli {

const char* const k_client_flags_help =
    "--url defaults to $RT_URL, else ws://127.0.0.1:8080/live (the dev server); --token to $RT_TOKEN.\n"
    "wss:// verifies the server's certificate and host name against the system's CAs, or --ca FILE's.\n";

void add_client_flags(CLI::App& cmd, client_flags& f, url_flag urls) {
    if (urls == url_flag::repeatable)
        cmd.add_option("--url", f.urls,
                       "Server endpoint ws://HOST:PORT/PATH or wss://...; repeat it for several servers "
                       "[ws://127.0.0.1:8080/live]")
            ->envname("RT_URL");
    else
        cmd.add_option("--url", f.url, "Server endpoint ws://HOST:PORT/PATH or wss://... [ws://127.0.0.1:8080/live]")
            ->envname("RT_URL");
    cmd.add_option("--token", f.token, "Token for the handshake (sent as ?token=...)")->envname("RT_TOKEN");
    add_tls_flags(cmd, f.tls);
}

void add_tls_flags(CLI::App& cmd, client::tls_trust& tls) {
    cmd.add_option("--ca", tls.ca_file, "wss://: trust the CAs in this PEM file instead of the system's (a private CA)");
    cmd.add_flag("--insecure-skip-verify", tls.insecure_skip_verify,
                 "wss://: do not verify the server's certificate or host name (test servers only)");
}

result<void, std::string> check_tls_flags(const client::tls_trust& tls, bool secure, const char* command) {
    if (tls.insecure_skip_verify && !tls.ca_file.empty())
        return make_unexpected("--ca and --insecure-skip-verify exclude each other");
    if (tls.insecure_skip_verify && secure)
        std::fprintf(stderr, "rt %s: warning: --insecure-skip-verify: the server's certificate is not checked; "
                             "anyone on the path can read and change this connection\n", command);
    return {};
}

result<void, std::string> check_client_flags(const client_flags& f, const char* command) {
    auto u = client::parse_ws_url(f.url);
    if (!u) return make_unexpected("--url: " + u.error());
    return check_tls_flags(f.tls, u->secure, command);
}

client::ws_options ws_options_of(const client_flags& f) {
    client::ws_options o;
    o.token = f.token;
    o.tls = f.tls;
    return o;
}

}  // namespace rt::cli
