#pragma once
// Test support: what the system says about a process and its sockets, for tests that check the
// server releases what it holds (descriptors, TIME-WAIT sockets), and its /metrics values.
#include <chrono>
#include <string>

namespace rt::test {

// Open file descriptors of process `pid` (entries in /proc/PID/fd), or -1 when unreadable.
int open_fds(int pid);

// IPv4 sockets in TIME-WAIT whose local port is `port` (from /proc/net/tcp): on a server's port,
// the connections it closed first within the last 60 s.
int time_wait_sockets(int port);

// The value of an unlabelled series on the /metrics page of the rt serve at `port` (no token),
// or -1 when the series is absent.
long metric_value(int port, const std::string& name);

// What an rt serve holds once its connections are gone: the last figures seen by wait_released.
struct held_sockets {
    int fds = -1;
    long connections = -1;
    bool settled = false;  // fds == the idle count and rt_connections == 0
};

// Polls every 20 ms, for at most `limit`, until the rt serve process `pid` listening on `port`
// holds `idle_fds` descriptors again and reports rt_connections 0.
held_sockets wait_released(int pid, int port, int idle_fds, std::chrono::milliseconds limit);

}  // namespace rt::test
