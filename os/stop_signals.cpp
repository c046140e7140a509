#include "os/stop_signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace rt::os {
namespace {

// The self-pipe: the handler writes one byte per signal (its number), `wait` reads them. A
// cancel writes a 0. Process-wide like the handlers themselves.
int pipe_fds[2] = {-1, -1};

extern "C" void on_stop_signal(int signo) {
    const int saved = errno;  // a handler must leave errno as it found it
    const unsigned char b = static_cast<unsigned char>(signo);
    [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], &b, 1);
    errno = saved;
}

}  // namespace

stop_signals::stop_signals(std::initializer_list<int> signals, handle how) : signals_(signals) {
    if (pipe_fds[0] >= 0) {  // a broken invariant: two instances would steal each other's signals
        std::fprintf(stderr, "rt: internal error: two stop_signals at once\n");
        std::abort();
    }
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        std::perror("rt: internal error: pipe for signals");
        std::abort();
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | (how == handle::first_only ? SA_RESETHAND : 0);
    previous_.resize(signals_.size());
    for (std::size_t i = 0; i < signals_.size(); ++i) ::sigaction(signals_[i], &sa, &previous_[i]);
}

stop_signals::~stop_signals() {
    for (std::size_t i = 0; i < signals_.size(); ++i) ::sigaction(signals_[i], &previous_[i], nullptr);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    pipe_fds[0] = pipe_fds[1] = -1;
}

int stop_signals::wait() {
    unsigned char b = 0;
    for (;;) {
        const ssize_t n = ::read(pipe_fds[0], &b, 1);
        if (n == 1) break;
        if (n < 0 && errno == EINTR) continue;
        return 0;
    }
    if (b == 0) cancel();  // put the 0 back: every later wait returns 0 too
    return b;
}

void stop_signals::cancel() {
    const unsigned char b = 0;
    [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], &b, 1);
}

const char* stop_signals::name(int signo) {
    switch (signo) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "signal";
    }
}

}  // namespace rt::os
