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
    auto m = proto::decode_parent_message(line);
    std::lock_guard<std::mutex> lock(mu_);
    if (!m) {  // a line that is not ours: stop rather than guess
        abort_reason_ = "unreadable line from the parent (" + m.error().message + "): " + line.substr(0, 80);
        stop_requested_ = true;
    } else if (auto* go = std::get_if<proto::parent_go>(&*m)) {
        answers_.push_back(std::move(*go));
    } else if (std::holds_alternative<proto::parent_interrupt>(*m)) {
        stop_requested_ = true;
    } else {
        const std::string& why = std::get<proto::parent_abort>(*m).message;
        abort_reason_ = why.empty() ? "stopped by the parent" : why;
        stop_requested_ = true;
    }
    cv_.notify_all();
}

result<nlohmann::json, std::string> worker_link::meet(const std::string& phase, const nlohmann::json& payload,
                                                      std::chrono::milliseconds timeout) {
    send(proto::encode_worker_message(proto::worker_arrived{phase, payload}));
    std::unique_lock<std::mutex> lock(mu_);
    const bool answered = cv_.wait_for(lock, timeout, [&] { return !answers_.empty() || !abort_reason_.empty(); });
    if (!abort_reason_.empty()) return make_unexpected(abort_reason_);
    if (!answered)
        return make_unexpected("no answer from the parent to '" + phase + "' within " +
                               std::to_string(timeout.count() / 1000) + " s");
    proto::parent_go go = std::move(answers_.front());
    answers_.pop_front();
    if (go.phase != phase) return make_unexpected("the parent answered '" + go.phase + "', expected '" + phase + "'");
    return std::move(go.payload);
}

void worker_link::send(const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void worker_link::send_result(const nlohmann::json& report) {
    send(proto::encode_worker_message(proto::worker_result{report}));
}

void worker_link::send_error(const std::string& message) {
    send(proto::encode_worker_message(proto::worker_error{message}));
}

}  // namespace rt::loadgen
