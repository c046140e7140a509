#include "client/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "protocol/host_port.hpp"

namespace rt::client {
namespace {

using clock_type = std::chrono::steady_clock;

// A response over this is not a REST reply to a publish; stop reading.
constexpr std::size_t max_response_bytes = 1024 * 1024;

class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_ready(int fd, short events, clock_type::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        const int n = poll(&p, 1, static_cast<int>(left));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

// Whether `response` holds a whole head and the Content-Length it announces (a server may keep the
// connection open despite "Connection: close"; then this, not the end of the stream, ends the read).
bool response_complete(const std::string& response) {
    const std::size_t head_end = response.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    std::string head = response.substr(0, head_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.find("\r\ncontent-length:") == std::string::npos) return false;
    auto parsed = parse_response(response);
    return parsed.ok();  // "cut short" until the whole body is in
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

result<http_url, std::string> parse_http_url(std::string_view text) {
    const std::string_view scheme = "http://";
    const auto bad = [&](const std::string& why) {
        return make_unexpected("\"" + std::string(text) + "\": " + why + " (expected http://HOST[:PORT]/PATH)");
    };
    if (text.rfind(scheme, 0) != 0) return bad("not an http:// URL");
    std::string_view rest = text.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    http_url u;
    u.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
    if (u.path.find_first_of("?#") != std::string::npos) return bad("no query or fragment in a base URL");
    auto hp = proto::parse_host_port(authority, std::uint16_t{80});  // 80: the http:// default
    if (!hp) return bad("bad port or host: " + hp.error());
    if (hp->port == 0) return bad("bad port: 0");
    u.host = std::move(hp->host);
    u.port = hp->port;
    in_addr addr{};
    if (u.host != "localhost" && inet_pton(AF_INET, u.host.c_str(), &addr) != 1)
        return bad("HOST must be an IPv4 address or localhost");
    return u;
}

result<http_response, std::string> http_exchange(const http_url& url, const http_call& call,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(url.port);
    if (inet_pton(AF_INET, url.host == "localhost" ? "127.0.0.1" : url.host.c_str(), &sa.sin_addr) != 1)
        return make_unexpected("bad host " + url.host);
    fd_guard fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) return make_unexpected(errno_text("socket"));
    int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::string where = url.host + ":" + std::to_string(url.port);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        if (errno != EINPROGRESS) return make_unexpected(errno_text(("connect to " + where).c_str()));
        if (!wait_ready(fd.get(), POLLOUT, deadline)) return make_unexpected("connect to " + where + ": timed out");
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return make_unexpected("connect to " + where + ": " + std::strerror(err));
    }

    std::string request = call.method + " " + url.path + call.path + " HTTP/1.1\r\nHost: " + where + "\r\n";
    if (!call.token.empty()) request += "Authorization: Bearer " + call.token + "\r\n";
    if (!call.body.empty()) request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + std::to_string(call.body.size()) + "\r\nConnection: close\r\n\r\n" + call.body;
    for (std::size_t sent = 0; sent < request.size();) {
        if (!wait_ready(fd.get(), POLLOUT, deadline)) return make_unexpected("sending to " + where + ": timed out");
        const ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return make_unexpected(errno_text(("sending to " + where).c_str()));
        sent += static_cast<std::size_t>(n);
    }

    std::string response;
    char buf[16 * 1024];
    for (;;) {
        if (!wait_ready(fd.get(), POLLIN, deadline)) return make_unexpected("no response from " + where + " in time");
        const ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return make_unexpected(errno_text(("reading from " + where).c_str()));
        if (n == 0) break;  // Connection: close
        response.append(buf, static_cast<std::size_t>(n));
        if (response.size() > max_response_bytes) return make_unexpected("response from " + where + " over 1 MiB");
        if (response_complete(response)) break;
    }
    auto parsed = parse_response(response);
    if (!parsed) return make_unexpected("response from " + where + ": " + parsed.error());
    return parsed;
}

}  // namespace rt::client
