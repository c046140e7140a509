#include "check/wire_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace rt::check {

namespace {

// A frame bigger than this from the server is a broken server, not a snapshot we must keep.
constexpr std::size_t max_server_frame_bytes = 64u << 20;

int ms_until(check_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - check_clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Reads what is there (at most one recv) into `buf`; 0: nothing by the deadline, -1: end of stream.
int read_some(int fd, std::string& buf, check_clock::time_point deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms_until(deadline)) <= 0) return 0;
    char tmp[65536];
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<std::size_t>(n));
    return 1;
}

// A connected TCP socket, or -1 with `error` set.
int connect_tcp(const std::string& host, std::uint16_t port, check_clock::time_point deadline, std::string& error) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    const std::string ip = host == "localhost" ? std::string("127.0.0.1") : host;
    if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
        error = "'" + host + "' is not an IPv4 address (rt check connects to IPv4 literals and localhost)";
        return -1;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        error = std::strerror(errno);
        ::close(fd);
        return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, ms_until(deadline)) <= 0) {
        error = "timed out connecting to " + host + ":" + std::to_string(port);
        ::close(fd);
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        error = std::string(std::strerror(err)) + " (" + host + ":" + std::to_string(port) + ")";
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Sends the request and reads the head; for an answer other than 101 also the body (until the
// server closes, Content-Length is met, or a short quiet period). `rest` keeps bytes after the head.
http_head read_answer(int fd, const std::string& request, check_clock::time_point deadline, std::string& rest) {
    http_head h;
    if (!send_all(fd, request, deadline)) {
        h.error = "could not send the upgrade request";
        return h;
    }
    std::string buf;
    std::size_t end = std::string::npos;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        const int r = read_some(fd, buf, deadline);
        if (r == 0) {
            h.error = buf.empty() ? "no answer to the upgrade request (timed out)" : "the answer's head never ended (timed out)";
            return h;
        }
        if (r < 0) {
            h.error = buf.empty() ? "the server closed the connection without answering" : "the answer's head was cut off";
            return h;
        }
        if (buf.size() > 64 * 1024) {
            h.error = "the answer's head is over 64 KiB";
            return h;
        }
    }
    h.head = buf.substr(0, end);
    rest = buf.substr(end + 4);
    if (h.head.rfind("HTTP/1.", 0) == 0 && h.head.size() >= 12) h.status = std::atoi(h.head.c_str() + 9);
    if (h.status == 0) {
        h.error = "not an HTTP answer: " + h.head.substr(0, 80);
        return h;
    }
    if (h.status == 101) return h;
    const std::string cl = h.header("Content-Length");
    const std::size_t want = cl.empty() ? std::string::npos : static_cast<std::size_t>(std::atoll(cl.c_str()));
    const auto body_deadline = std::min(deadline, check_clock::now() + std::chrono::milliseconds(500));
    while (rest.size() < want && rest.size() < 1 << 20 && read_some(fd, rest, body_deadline) > 0) {
    }
    h.body = want == std::string::npos ? rest : rest.substr(0, want);
    return h;
}

}  // namespace

bool send_all(int fd, const std::string& bytes, check_clock::time_point deadline) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, ms_until(deadline)) <= 0) return false;
        if (p.revents & (POLLERR | POLLHUP)) return false;
    }
    return true;
}

std::string http_head::header(const std::string& name) const {
    const std::string want = lower(name) + ":";
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
        const std::size_t start = pos + 2;
        const std::size_t next = head.find("\r\n", start);
        const std::string line = head.substr(start, next == std::string::npos ? std::string::npos : next - start);
        if (lower(line.substr(0, want.size())) == want) {
            std::string v = line.substr(want.size());
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
            return v;
        }
        pos = next;
    }
    return {};
}

std::string upgrade_request(const std::string& host, std::uint16_t port, const std::string& resource,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
    std::vector<std::pair<std::string, std::string>> all = {
        {"Host", host + ":" + std::to_string(port)},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},  // RFC 6455's example key: 16 bytes, base64
        {"Sec-WebSocket-Version", "13"},
    };
    for (const auto& [name, value] : headers) {
        auto it = std::find_if(all.begin(), all.end(), [&](const auto& h) { return lower(h.first) == lower(name); });
        if (it != all.end()) it->second = value;
        else all.emplace_back(name, value);
    }
    std::string req = "GET " + resource + " HTTP/1.1\r\n";
    for (const auto& [name, value] : all)
        if (!value.empty()) req += name + ": " + value + "\r\n";
    return req + "\r\n";
}

result<std::unique_ptr<wire_client>, http_head> wire_client::open(const std::string& host, std::uint16_t port,
                                                                  const std::string& request,
                                                                  std::chrono::milliseconds timeout) {
    const auto deadline = check_clock::now() + timeout;
    http_head h;
    const int fd = connect_tcp(host, port, deadline, h.error);
    if (fd < 0) return make_unexpected(std::move(h));
    std::unique_ptr<wire_client> c(new wire_client(fd));
    std::string rest;
    h = read_answer(fd, request, deadline, rest);
    if (h.status != 101) return make_unexpected(std::move(h));
    c->buf_ = std::move(rest);
    return c;
}

http_head wire_client::exchange(const std::string& host, std::uint16_t port, const std::string& request,
                                std::chrono::milliseconds timeout) {
    const auto deadline = check_clock::now() + timeout;
    http_head h;
    const int fd = connect_tcp(host, port, deadline, h.error);
    if (fd < 0) return h;
    std::string rest;
    h = read_answer(fd, request, deadline, rest);
    ::close(fd);
    return h;
}

wire_client::~wire_client() { drop(); }

void wire_client::drop() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    eof_ = true;
}

bool wire_client::send(const ws_frame& f, check_clock::time_point deadline, bool masked) {
    return send_bytes(encode_frame(f, masked), deadline);
}

bool wire_client::send_bytes(const std::string& bytes, check_clock::time_point deadline) {
    return fd_ >= 0 && send_all(fd_, bytes, deadline);
}

std::optional<ws_frame> wire_client::read(check_clock::time_point deadline) {
    for (;;) {
        if (!protocol_error_.empty()) return std::nullopt;
        frame_decode d = decode_frame(buf_, max_server_frame_bytes);
        if (d.st == frame_decode::status::frame) {
            buf_.erase(0, d.consumed);
            if (d.masked) protocol_error_ = "the server masked a frame (RFC 6455 5.1: servers must not)";
            return std::move(d.frame);
        }
        if (d.st == frame_decode::status::bad) {
            protocol_error_ = d.error;
            return std::nullopt;
        }
        if (eof_ || fd_ < 0) return std::nullopt;
        const int r = read_some(fd_, buf_, deadline);
        if (r == 0) return std::nullopt;
        if (r < 0) eof_ = true;
    }
}

}  // namespace rt::check
