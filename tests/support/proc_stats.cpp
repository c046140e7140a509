#include "support/proc_stats.hpp"

#include <dirent.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/rt_process.hpp"

namespace rt::test {

int open_fds(int pid) {
    DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (!d) return -1;
    int n = 0;
    while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

int time_wait_sockets(int port) {
    // Lines: "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT, st 06 = TIME_WAIT.
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // the header
    char want[8];
    std::snprintf(want, sizeof want, "%04X", static_cast<unsigned>(port));
    int n = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        const auto colon = local.find(':');
        if (state == "06" && colon != std::string::npos && local.substr(colon + 1) == want) ++n;
    }
    return n;
}

long metric_value(int port, const std::string& name) {
    const std::string body = http_request(port, "GET", "/metrics").body;
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stol(body.substr(at + name.size() + 2));
}

held_sockets wait_released(int pid, int port, int idle_fds, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    held_sockets h;
    for (;;) {
        h.fds = open_fds(pid);
        h.connections = metric_value(port, "rt_connections");
        h.settled = h.fds == idle_fds && h.connections == 0;
        if (h.settled || std::chrono::steady_clock::now() >= deadline) return h;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace rt::test
