#include "loadgen/worker_link.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace rt::loadgen {

namespace {
// How often the reader looks at closing_ while stdin is quiet.
constexpr int stdin_poll_ms = 100;
}  // namespace

worker_link::worker_link() : reader_([this] { read_loop(); }) {}

worker_link::~worker_link() {
    closing_ = true;
    reader_.join();
}

void worker_link::read_loop() {
    std::string pending;
    char buf[4096];
    while (!closing_) {
        pollfd p{0, POLLIN, 0};
        const int ready = ::poll(&p, 1, stdin_poll_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) continue;
        const ssize_t n = ready < 0 ? -1 : ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // end of file: the parent is gone
            std::lock_guard<std::mutex> lock(mu_);
            if (abort_reason_.empty()) abort_reason_ = "the parent process closed the control pipe";
            stop_requested_ = true;
            cv_.notify_all();
            return;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
            on_line(pending.substr(0, nl));
            pending.erase(0, nl + 1);
        }
    }
}

void worker_link::on_line(const std::string& line) {
    const nlohmann::json m = nlohmann::json::parse(line, nullptr, false);
    const std::string type = m.is_object() ? m.value("type", "") : "";
    std::lock_guard<std::mutex> lock(mu_);
    if (type == "go") {
        answers_.push_back(m);
    } else if (type == "interrupt") {
        stop_requested_ = true;
    } else {  // abort, or a line that is not ours: stop rather than guess
        abort_reason_ = type == "abort" ? m.value("message", "stopped by the parent")
                                        : "unreadable line from the parent: " + line.substr(0, 80);
        stop_requested_ = true;
    }
    cv_.notify_all();
}

result<nlohmann::json, std::string> worker_link::meet(const std::string& phase, const nlohmann::json& payload,
                                                      std::chrono::milliseconds timeout) {
    send({{"type", phase}, {"payload", payload}});
    std::unique_lock<std::mutex> lock(mu_);
    const bool answered = cv_.wait_for(lock, timeout, [&] { return !answers_.empty() || !abort_reason_.empty(); });
    if (!abort_reason_.empty()) return make_unexpected(abort_reason_);
    if (!answered)
        return make_unexpected("no answer from the parent to '" + phase + "' within " +
                               std::to_string(timeout.count() / 1000) + " s");
    nlohmann::json go = std::move(answers_.front());
    answers_.pop_front();
    if (go.value("phase", "") != phase)
        return make_unexpected("the parent answered '" + go.value("phase", "") + "', expected '" + phase + "'");
    return go.value("payload", nlohmann::json::object());
}

void worker_link::send(const nlohmann::json& message) {
    const std::string line = message.dump() + "\n";
    std::lock_guard<std::mutex> lock(out_mu_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void worker_link::send_result(const nlohmann::json& report) { send({{"type", "result"}, {"report", report}}); }

void worker_link::send_error(const std::string& message) { send({{"type", "error"}, {"message", message}}); }

}  // namespace rt::loadgen
