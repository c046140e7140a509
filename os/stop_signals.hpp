#pragma once
// SIGINT, SIGTERM (and SIGHUP where a command reloads on it) turned into something a thread can
// wait for: the one way every rt command handles them (`rt serve`, `rt subscribe`, `rt loadgen`,
// `rt partition proxy`). The handler only writes the signal's number into a pipe (the self-pipe
// trick, async-signal-safe); `wait` reads it back on an ordinary thread, which then does the
// real work (post to an event loop, set a flag).
//
// Contract: at most one stop_signals lives in a process at a time (the handlers are
// process-wide). `wait` is called by one thread; `cancel` from any thread. The destructor
// restores the dispositions the signals had before.
#include <csignal>
#include <initializer_list>
#include <vector>

namespace rt::os {

class stop_signals {
public:
    // `first_only`: each handler serves one delivery, then the signal has its default action again
    // (SA_RESETHAND: a second Ctrl-C ends the process at once).
    enum class handle { every, first_only };
    // Installs the handlers (SA_RESTART: other threads' system calls are not interrupted).
    explicit stop_signals(std::initializer_list<int> signals = {SIGINT, SIGTERM}, handle how = handle::every);
    ~stop_signals();
    stop_signals(const stop_signals&) = delete;
    stop_signals& operator=(const stop_signals&) = delete;

    // Blocks until one of the signals arrives and returns its number, or returns 0 once `cancel`
    // was called. Signals that arrive while nobody waits are kept, in order, for the next call.
    int wait();
    // Makes the current and every later `wait` return 0.
    void cancel();

    // "SIGINT", "SIGTERM", "SIGHUP"; "signal" for any other.
    static const char* name(int signo);

private:
    std::vector<int> signals_;
    std::vector<struct sigaction> previous_;
};

}  // namespace rt::os
