#include "os/serve_child.hpp"

#include "protocol/host_port.hpp"
#include "protocol/units.hpp"

namespace rt::os {
namespace {

constexpr std::string_view listening_marker = "listening on ws";  // ws:// or wss:// (--tls-cert)
// Why 20: enough to show a start-up error and the log lines before it.
constexpr std::size_t error_lines = 20;
// Why 100 ms: between a child closing its stderr and waitpid seeing it exit.
constexpr auto exit_settle = std::chrono::milliseconds(100);

}  // namespace

std::uint16_t listening_port(std::string_view text) {
    const std::size_t at = text.find(listening_marker);
    if (at == std::string_view::npos) return 0;
    std::string_view rest = text.substr(at + listening_marker.size());
    if (!rest.empty() && rest.front() == 's') rest.remove_prefix(1);
    if (rest.substr(0, 3) != "://") return 0;
    rest.remove_prefix(3);
    const std::size_t slash = rest.find('/');  // the address is complete once its path begins
    if (slash == std::string_view::npos) return 0;
    const auto hp = proto::parse_host_port(rest.substr(0, slash));
    return hp ? hp->port : 0;
}

result<serve_child, std::string> start_serve(const std::string& binary, const std::vector<std::string>& args,
                                             const child_options& options, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{binary, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto spawned = child_process::spawn(argv, options);
    if (!spawned) return make_unexpected("cannot start " + binary + ": " + spawned.error());
    serve_child c{std::move(*spawned), 0};
    c.process->wait_until([](std::string_view err) { return listening_port(err) != 0; }, timeout);
    c.port = listening_port(c.process->err());
    if (c.port != 0) return c;
    // Stderr closed or time is up: a child that exited has done so by now, give or take its reaping.
    const auto code = c.process->wait_exit(exit_settle);
    c.process->kill_now();
    c.process->join_output();
    const std::string what = code ? "it exited with code " + std::to_string(*code)
                                  : "it did not print its address within " +
                                        proto::format_duration_us(std::chrono::duration<double, std::micro>(timeout).count());
    return make_unexpected(what + "; its last output:\n" + c.process->recent_lines(error_lines));
}

}  // namespace rt::os
