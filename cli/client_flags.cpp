#include "cli/client_flags.hpp"

#include "client/ws_url.hpp"

namespace rt::cli {

const char* const k_client_flags_help =
    "--url defaults to $RT_URL, else ws://127.0.0.1:8080/live (the dev server); --token to $RT_TOKEN.\n";

void add_client_flags(CLI::App& cmd, client_flags& f) {
    cmd.add_option("--url", f.url, "Server endpoint ws://HOST:PORT/PATH [ws://127.0.0.1:8080/live]")->envname("RT_URL");
    cmd.add_option("--token", f.token, "Token for the handshake (sent as ?token=...)")->envname("RT_TOKEN");
}

result<void, std::string> check_client_flags(const client_flags& f) {
    auto u = client::parse_ws_url(f.url);
    if (!u) return make_unexpected("--url: " + u.error());
    return {};
}

client::ws_options ws_options_of(const client_flags& f) {
    client::ws_options o;
    o.token = f.token;
    return o;
}

}  // namespace rt::cli
