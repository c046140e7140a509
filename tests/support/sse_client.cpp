#include "support/sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace rt::test {

namespace {

using sse_clock = std::chrono::steady_clock;

int sse_ms_left(sse_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - sse_clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// A connected socket to 127.0.0.1:port with the request sent, or -1.
int sse_connect_and_send(int port, const std::string& target, const std::vector<std::string>& headers, int rcvbuf) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nAccept: text/event-stream\r\n";
    for (const auto& h : headers) req += h + "\r\n";
    req += "\r\n";
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string sse_lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::unique_ptr<sse_client> sse_client::open(int port, const std::string& target, const std::vector<std::string>& headers,
                                             std::chrono::milliseconds timeout, int receive_buffer_bytes) {
    int fd = sse_connect_and_send(port, target, headers, receive_buffer_bytes);
    if (fd < 0) return nullptr;
    auto c = std::unique_ptr<sse_client>(new sse_client(fd));
    const auto deadline = sse_clock::now() + timeout;
    while (c->buf_.find("\r\n\r\n") == std::string::npos)
        if (!c->fill(deadline)) return nullptr;
    const auto end = c->buf_.find("\r\n\r\n");
    c->head_ = c->buf_.substr(0, end);
    c->buf_.erase(0, end + 4);
    const auto sp = c->head_.find(' ');
    c->status_ = sp == std::string::npos ? 0 : std::atoi(c->head_.c_str() + sp + 1);
    if (c->status_ != 200) {
        while (c->fill(deadline)) {
        }
        c->body_ = std::move(c->buf_);
        c->buf_.clear();
    }
    return c;
}

std::unique_ptr<sse_client> sse_client::open_unread(int port, const std::string& target, int receive_buffer_bytes) {
    int fd = sse_connect_and_send(port, target, {}, receive_buffer_bytes);
    if (fd < 0) return nullptr;
    return std::unique_ptr<sse_client>(new sse_client(fd));
}

sse_client::~sse_client() { ::close(fd_); }

std::string sse_client::header(const std::string& name) const {
    const std::string want = sse_lower(name) + ":";
    std::size_t pos = head_.find("\r\n");
    while (pos != std::string::npos) {
        const std::size_t start = pos + 2;
        const std::size_t next = head_.find("\r\n", start);
        const std::string line = head_.substr(start, next == std::string::npos ? std::string::npos : next - start);
        if (sse_lower(line.substr(0, want.size())) == want) {
            std::string v = line.substr(want.size());
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            return v;
        }
        pos = next;
    }
    return "";
}

bool sse_client::fill(sse_clock::time_point deadline) {
    if (eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, sse_ms_left(deadline)) <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
}

std::optional<sse_block> sse_client::next(std::chrono::milliseconds timeout) {
    const auto deadline = sse_clock::now() + timeout;
    for (;;) {
        // A block ends at a blank line (the server writes "\n"; EventSource also takes "\r\n").
        const auto end = buf_.find("\n\n");
        if (end != std::string::npos) {
            std::string text = buf_.substr(0, end + 1);
            buf_.erase(0, end + 2);
            sse_block b;
            bool any_data = false;
            std::size_t at = 0;
            while (at < text.size()) {
                const std::size_t nl = text.find('\n', at);
                std::string line = text.substr(at, nl - at);
                at = nl + 1;
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.rfind(":", 0) == 0) {
                    b.comment = line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1);
                    continue;
                }
                const auto colon = line.find(':');
                const std::string field = line.substr(0, colon);
                std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
                if (!value.empty() && value.front() == ' ') value.erase(0, 1);
                if (field == "event") b.event = value;
                else if (field == "id") b.id = value;
                else if (field == "retry") b.retry = std::atol(value.c_str());
                else if (field == "data") {
                    b.data += (any_data ? "\n" : "") + value;
                    any_data = true;
                }
            }
            return b;
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

std::optional<sse_block> sse_client::next_event(std::chrono::milliseconds timeout) {
    const auto deadline = sse_clock::now() + timeout;
    for (;;) {
        auto b = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - sse_clock::now()));
        if (!b) return std::nullopt;
        if (!b->event.empty() || !b->data.empty()) return b;
    }
}

bool sse_client::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = sse_clock::now() + timeout;
    while (fill(deadline)) buf_.clear();
    return eof_;
}

}  // namespace rt::test
