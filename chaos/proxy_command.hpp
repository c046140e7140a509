#pragma once
// `rt partition proxy` as a function: the fault proxy, its control API and its timeline, run until
// the duration ends or SIGINT/SIGTERM arrives. The CLI only fills proxy_command_options; Asio stays
// in chaos/.
#include <string>

namespace rt::chaos {

struct proxy_command_options {
    std::string listen = "127.0.0.1:9001";  // where clients connect; port 0 picks a free one
    std::string upstream;                   // the server, HOST:PORT (required)
    std::string control;                    // HTTP control API, HOST:PORT; empty: none
    std::string schedule;                   // "5s blackhole; 15s heal"; empty: no timeline
    std::string duration;                   // "60s"; empty: until a signal
};

// Runs the proxy in the calling thread. Progress lines go to stderr; at the end one JSON line of
// stats goes to stdout. Returns the exit code: 0 stopped by --duration or a signal, 1 runtime failure
// (cannot listen), 2 usage error (bad address, schedule or duration, named in the message).
int run_proxy_command(const proxy_command_options& o);

}  // namespace rt::chaos
