// Throttle figures (bench/throttle.sh): --rows rows (default one) updated in turn at --rate in
// all, --conns subscribers of them (throttled with --throttle, batched with --batch 1, or not),
// and what that costs: frames and events per subscriber per second, and the server's CPU
// (utime+stime from /proc/PID/stat) over the publishing window.
//
//   g++ -O2 -std=c++17 -o throttle_probe bench/throttle_probe.cpp
//   throttle_probe --port P --server-pid PID [--conns 1000] [--rate 1000] [--seconds 10] [--throttle 100ms]
//                  [--batch 1] [--rows 1]
//
// Plain sockets and epoll on one thread, speaking just enough WebSocket: the handshake, masked
// client text frames, server frames counted by header (pings answered), events counted by their
// "seq": members (one per `event` frame, one per item of an `events` frame; the `subscribed` reply
// before the count starts has one too). The rows are Cursors "c1".."cN" of the spec bench/throttle.sh writes; the subscription is AllCursors (unfiltered).
// Output: one "KEY value" line per figure.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "throttle_probe: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

struct conn {
    int fd = -1;
    std::string in;        // bytes not yet parsed into frames
    std::uint64_t frames = 0;  // text frames received
    std::uint64_t events = 0;  // "seq": members in them (events, or items of batched windows)
};

// A masked client frame (the mask key is 0: the payload is sent as is, which RFC 6455 allows).
std::string client_frame(unsigned char opcode, const std::string& payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
        f.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(payload.size() >> 8));
        f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    f.append(4, '\0');
    return f + payload;
}

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) die("send");
        off += static_cast<std::size_t>(n);
    }
}

conn open_ws(int port) {
    conn c;
    c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c.fd < 0) die("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    send_all(c.fd, "GET /live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                       "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    char buf[4096];
    while (c.in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) die("handshake");
        c.in.append(buf, static_cast<std::size_t>(n));
    }
    if (c.in.rfind("HTTP/1.1 101", 0) != 0) die("handshake refused: " + c.in.substr(0, c.in.find('\r')));
    c.in.erase(0, c.in.find("\r\n\r\n") + 4);
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    return c;
}

// Reads what is there and counts the complete text frames; answers pings.
void drain(conn& c) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
            c.in.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) die("server closed a connection");
        if (errno == EAGAIN) break;
        if (errno != EINTR) die("recv");
    }
    std::size_t off = 0;
    for (;;) {
        if (c.in.size() - off < 2) break;
        auto b0 = static_cast<unsigned char>(c.in[off]), b1 = static_cast<unsigned char>(c.in[off + 1]);
        std::uint64_t len = b1 & 0x7f;
        std::size_t head = 2;
        if (len == 126) {
            if (c.in.size() - off < 4) break;
            len = (std::uint64_t(static_cast<unsigned char>(c.in[off + 2])) << 8) | static_cast<unsigned char>(c.in[off + 3]);
            head = 4;
        } else if (len == 127) {
            if (c.in.size() - off < 10) break;
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(c.in[off + 2 + i]);
            head = 10;
        }
        if (c.in.size() - off < head + len) break;
        unsigned char op = b0 & 0x0f;
        if (op == 1) {
            ++c.frames;
            const std::string_view payload(c.in.data() + off + head, len);
            for (std::size_t at = payload.find("\"seq\":"); at != std::string_view::npos; at = payload.find("\"seq\":", at + 6))
                ++c.events;
        }
        else if (op == 9) send_all(c.fd, client_frame(0xA, c.in.substr(off + head, len)));
        off += head + len;
    }
    c.in.erase(0, off);
}

double server_cpu_s(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto close = s.rfind(')');
    if (close == std::string::npos) die("read /proc/PID/stat");
    std::istringstream rest(s.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime (clock ticks)
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0, pid = 0, conns = 1000, rate = 1000, rows = 1;
    bool batch = false;
    double seconds = 10;
    std::string throttle;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") port = std::atoi(v.c_str());
        else if (k == "--server-pid") pid = std::atoi(v.c_str());
        else if (k == "--conns") conns = std::atoi(v.c_str());
        else if (k == "--rate") rate = std::atoi(v.c_str());
        else if (k == "--seconds") seconds = std::atof(v.c_str());
        else if (k == "--throttle") throttle = v;
        else if (k == "--batch") batch = v == "1";
        else if (k == "--rows") rows = std::max(1, std::atoi(v.c_str()));
        else { std::fprintf(stderr, "throttle_probe: unknown option %s\n", k.c_str()); return 2; }
    }
    if (!port || !pid || conns < 1 || rate < 1) { std::fprintf(stderr, "throttle_probe: --port and --server-pid are required\n"); return 2; }

    conn pub = open_ws(port);
    for (int r = 1; r <= rows; ++r)
        send_all(pub.fd, client_frame(1, R"({"type":"publish","entity":"Cursor","operation":"insert","data":{"id":"c)" +
                                             std::to_string(r) + R"(","user":"u","x":0,"y":0}})"));
    std::vector<conn> subs;
    subs.reserve(static_cast<std::size_t>(conns));
    std::string sub_msg = R"({"type":"subscribe","subscription":"AllCursors")" +
                          (throttle.empty() ? std::string() : R"(,"throttle":")" + throttle + "\"") +
                          (batch ? R"(,"batch":true)" : "") + "}";
    for (int i = 0; i < conns; ++i) {
        subs.push_back(open_ws(port));
        send_all(subs.back().fd, client_frame(1, sub_msg));
    }
    int ep = ::epoll_create1(0);
    auto watch = [&](conn& c, std::uint64_t tag) {
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u64 = tag;
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e) != 0) die("epoll_ctl");
    };
    watch(pub, 0);
    for (std::size_t i = 0; i < subs.size(); ++i) watch(subs[i], i + 1);
    std::vector<epoll_event> ready(1024);
    auto pump = [&](int timeout_ms) {
        int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), timeout_ms);
        for (int k = 0; k < n; ++k) drain(ready[k].data.u64 ? subs[ready[k].data.u64 - 1] : pub);
    };
    // Settle: every `subscribed` in (one frame each), then count from zero.
    auto settle_until = clk::now() + std::chrono::seconds(10);
    auto all_subscribed = [&] { return std::all_of(subs.begin(), subs.end(), [](const conn& c) { return c.frames >= 1; }); };
    while (!all_subscribed() && clk::now() < settle_until) pump(50);
    if (!all_subscribed()) die("not every subscriber got its subscribed reply");
    for (auto& c : subs) c.frames = c.events = 0;

    const double cpu0 = server_cpu_s(pid);
    const auto t0 = clk::now();
    const auto end = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds));
    const auto period = std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(1.0 / rate));
    std::uint64_t sent = 0;
    auto next = t0;
    while (clk::now() < end) {
        while (next <= clk::now() && next < end) {
            ++sent;
            send_all(pub.fd, client_frame(1, R"({"type":"publish","entity":"Cursor","operation":"update","data":{"id":"c)" +
                                                 std::to_string(1 + sent % rows) + R"(","user":"u","x":)" +
                                                 std::to_string(sent) + R"(,"y":0}})"));
            next += period;
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - clk::now()).count();
        pump(static_cast<int>(std::max<long long>(0, std::min<long long>(wait, 5))));
    }
    const double cpu1 = server_cpu_s(pid);
    const double elapsed = std::chrono::duration<double>(clk::now() - t0).count();
    // Frames still in flight for what was published: a short drain, outside the CPU window.
    auto drain_until = clk::now() + std::chrono::milliseconds(500);
    while (clk::now() < drain_until) pump(20);

    std::vector<double> per_s;
    double events = 0;
    for (const auto& c : subs) {
        per_s.push_back(double(c.frames) / elapsed);
        events += double(c.events) / elapsed;
    }
    std::sort(per_s.begin(), per_s.end());
    double sum = 0;
    for (double v : per_s) sum += v;
    std::printf("MODE %s\n", throttle.empty() ? "unthrottled" : ("throttle=" + throttle + (batch ? " batch" : "")).c_str());
    std::printf("SUBSCRIBERS %d, ROWS %d\n", conns, rows);
    std::printf("PUBLISHED %llu in %.2fs (%.0f/s)\n", static_cast<unsigned long long>(sent), elapsed, double(sent) / elapsed);
    std::printf("FRAMES_PER_SUB_PER_S mean %.1f min %.1f max %.1f\n", sum / double(per_s.size()), per_s.front(), per_s.back());
    std::printf("EVENTS_PER_SUB_PER_S mean %.1f\n", events / double(per_s.size()));
    std::printf("SERVER_CPU %.2fs over %.2fs = %.0f%% of one core\n", cpu1 - cpu0, elapsed, 100.0 * (cpu1 - cpu0) / elapsed);
    for (auto& c : subs) ::close(c.fd);
    ::close(pub.fd);
    return 0;
}
