#include "chaos/server_process.hpp"

#include "os/serve_child.hpp"
#include "protocol/host_port.hpp"

namespace rt::chaos {
namespace {

// Why 20: enough to show a start-up error and the log lines before it.
constexpr std::size_t kept_lines = 20;
// Why 64 KiB: far more than 20 lines of log, and bounded however long a scenario runs.
constexpr std::size_t kept_stderr_bytes = 64 * 1024;

}  // namespace

server_process::server_process(server_launch launch) : launch_(std::move(launch)), port_(launch_.listen_port) {}

server_process::~server_process() { kill_hard(); }

std::uint16_t server_process::port_from_line(const std::string& line) { return os::listening_port(line); }

std::string server_process::ws_url() const {
    // A server listening everywhere is reached on loopback.
    const std::string& h = launch_.listen_host;
    const std::string host = h == "0.0.0.0" ? "127.0.0.1" : h == "::" ? "::1" : h;
    return "ws://" + proto::to_string(proto::host_port{host, port_}) + ws_path_;
}

std::string server_process::recent_output() const { return child_ ? child_->recent_lines(kept_lines) : std::string(); }

result<void, std::string> server_process::start(std::chrono::milliseconds timeout) {
    if (running()) return make_unexpected(std::string("the server is already running"));
    std::vector<std::string> args{"--spec", launch_.spec_path, "--listen",
                                  proto::to_string(proto::host_port{launch_.listen_host, port_})};
    if (!launch_.db_path.empty()) {
        args.push_back("--db");
        args.push_back(launch_.db_path);
    }
    for (const auto& a : launch_.extra_args) args.push_back(a);
    os::child_options options;
    options.stdin_null = true;
    options.capture_stdout = false;
    options.die_with_parent = true;  // never outlive the runner
    options.max_kept_bytes = kept_stderr_bytes;
    auto started = os::start_serve(launch_.binary, args, options, timeout);
    if (!started) return make_unexpected(started.error());
    child_ = std::move(started->process);
    port_ = started->port;
    return {};
}

bool server_process::running() { return child_ && child_->running(); }

void server_process::kill_hard() {
    if (!child_) return;
    child_->kill_now();
    child_->join_output();  // the pipe closes with the process
}

void server_process::stop(std::chrono::milliseconds grace) {
    if (!child_) return;
    child_->stop(grace);
    child_->join_output();
}

}  // namespace rt::chaos
