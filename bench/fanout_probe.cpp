// Raw-socket fan-out floor: how long plain write() calls take to put one frame on N loopback TCP
// sockets, and how long until the last receiver has it. The same N and frame size as a broadcast
// run, with none of a server's work, so rt's broadcast p99 can be read as a ratio to it.
//
//   g++ -O2 -std=c++17 -o fanout_probe bench/fanout_probe.cpp
//   fanout_probe [--conns 10000] [--bytes 200] [--rounds 20]
//
// Two processes (the writer and the readers each need N descriptors; 2N may pass the 20,000 open-
// file limit): the parent accepts N connections and writes; the child connects N and reads them
// with epoll. CLOCK_MONOTONIC is system-wide, so the child's "last byte" time is comparable.
// Output: one line per figure, µs, median and max over the rounds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

std::int64_t mono_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fanout_probe: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

bool read_full(int fd, void* buf, std::size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

void write_full(int fd, const void* buf, std::size_t n) {
    const auto* p = static_cast<const char*>(buf);
    while (n > 0) {
        ssize_t r = ::write(fd, p, n);
        if (r <= 0) die("write");
        p += r;
        n -= static_cast<std::size_t>(r);
    }
}

// Child: connects n sockets, then for each round reads `bytes` from every socket and reports the
// time the last one completed.
int run_readers(int port, int n, int bytes, int rounds, int ready_fd, int report_fd) {
    std::vector<int> fds;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) die("socket");
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
            die("connect");
        fds.push_back(fd);
    }
    int ep = ::epoll_create1(0);
    for (int i = 0; i < n; ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) die("epoll_ctl");
    }
    char ok = 1;
    write_full(ready_fd, &ok, 1);
    std::vector<int> got(n);
    std::vector<epoll_event> events(1024);
    std::vector<char> buf(static_cast<std::size_t>(bytes) + 4096);
    for (int r = 0; r < rounds; ++r) {
        std::fill(got.begin(), got.end(), 0);
        int done = 0;
        std::int64_t last_us = 0;
        while (done < n) {
            int k = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10'000);
            if (k <= 0) die("epoll_wait (writer stalled?)");
            for (int e = 0; e < k; ++e) {
                int i = static_cast<int>(events[e].data.u32);
                ssize_t m;
                while ((m = ::read(fds[i], buf.data(), buf.size())) > 0) {
                    got[i] += static_cast<int>(m);
                    if (got[i] == bytes) {
                        ++done;
                        last_us = mono_us();
                    }
                }
            }
        }
        write_full(report_fd, &last_us, sizeof last_us);
    }
    return 0;
}

std::int64_t median(std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int n = 10000, bytes = 200, rounds = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        int v = std::atoi(argv[i + 1]);
        if (a == "--conns") n = v;
        else if (a == "--bytes") bytes = v;
        else if (a == "--rounds") rounds = v;
        else {
            std::fprintf(stderr, "usage: fanout_probe [--conns N] [--bytes B] [--rounds R]\n");
            return 2;
        }
    }
    if (n <= 0 || bytes <= 0 || rounds <= 0) return 2;
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);

    int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
    if (::listen(lfd, 4096) != 0) die("listen");
    socklen_t len = sizeof addr;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);

    int ready[2], report[2];
    if (::pipe(ready) != 0 || ::pipe(report) != 0) die("pipe");
    pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) {
        ::close(lfd);
        return run_readers(port, n, bytes, rounds, ready[1], report[1]);
    }
    std::vector<int> conns;
    conns.reserve(static_cast<std::size_t>(n));
    while (static_cast<int>(conns.size()) < n) {
        int fd = ::accept(lfd, nullptr, nullptr);
        if (fd < 0) die("accept");
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns.push_back(fd);
    }
    char ok = 0;
    if (!read_full(ready[0], &ok, 1)) die("child failed");
    // A server->client WebSocket text frame of `bytes` total: 4-byte header (126 form) + payload.
    std::string frame(static_cast<std::size_t>(bytes), 'x');
    std::vector<std::int64_t> write_loop_us, last_byte_us;
    for (int r = 0; r < rounds; ++r) {
        const std::int64_t t0 = mono_us();
        for (int fd : conns) write_full(fd, frame.data(), frame.size());
        const std::int64_t t1 = mono_us();
        std::int64_t last = 0;
        if (!read_full(report[0], &last, sizeof last)) die("child report");
        write_loop_us.push_back(t1 - t0);
        last_byte_us.push_back(last - t0);
    }
    for (int fd : conns) ::close(fd);
    int status = 0;
    ::waitpid(child, &status, 0);
    std::printf("fanout_probe: %d sockets, %d-byte frame, %d rounds\n", n, bytes, rounds);
    std::printf("  write loop (one core)     median %lld us  max %lld us  (%.2f us per write)\n",
                static_cast<long long>(median(write_loop_us)),
                static_cast<long long>(*std::max_element(write_loop_us.begin(), write_loop_us.end())),
                static_cast<double>(median(write_loop_us)) / n);
    std::printf("  first write -> last byte  median %lld us  max %lld us\n",
                static_cast<long long>(median(last_byte_us)),
                static_cast<long long>(*std::max_element(last_byte_us.begin(), last_byte_us.end())));
    std::printf("FLOOR_US %lld\n", static_cast<long long>(median(last_byte_us)));
    return 0;
}
