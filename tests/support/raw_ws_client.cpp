#include "support/raw_ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rt::test {

namespace {

using raw_clock = std::chrono::steady_clock;

int raw_ms_left(raw_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - raw_clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

bool raw_send_all(int fd, const std::string& bytes, raw_clock::time_point deadline) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, raw_ms_left(deadline)) <= 0) return false;
        if (p.revents & (POLLERR | POLLHUP)) return false;
    }
    return true;
}

}  // namespace

std::unique_ptr<raw_ws_client> raw_ws_client::connect(int port, const std::string& target, int receive_buffer_bytes) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return nullptr;
    auto c = std::unique_ptr<raw_ws_client>(new raw_ws_client(fd));
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return nullptr;
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const auto deadline = raw_clock::now() + std::chrono::seconds(5);
    if (!raw_send_all(fd, req, deadline)) return nullptr;
    // Read the response head byte-wise-ish: keep whatever follows it for the frame reader.
    while (c->buf_.find("\r\n\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, raw_ms_left(deadline)) <= 0) return nullptr;
        char tmp[1024];
        ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return nullptr;
        c->buf_.append(tmp, static_cast<std::size_t>(n));
    }
    if (c->buf_.rfind("HTTP/1.1 101", 0) != 0) return nullptr;
    c->buf_.erase(0, c->buf_.find("\r\n\r\n") + 4);
    return c;
}

raw_ws_client::~raw_ws_client() { ::close(fd_); }

bool raw_ws_client::send_frame(opcode op, std::string_view payload, std::chrono::milliseconds timeout) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
    const std::size_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return raw_send_all(fd_, f, raw_clock::now() + timeout);
}

bool raw_ws_client::read_frame(raw_clock::time_point deadline, std::uint8_t& op, std::string& payload) {
    for (;;) {
        if (buf_.size() >= 2) {
            const auto b1 = static_cast<std::uint8_t>(buf_[1]);
            std::size_t head = 2;
            std::uint64_t len = b1 & 0x7F;
            if (len == 126) head = 4;
            if (len == 127) head = 10;
            if (b1 & 0x80) head += 4;  // a server never masks; tolerate it anyway
            if (buf_.size() >= head) {
                if (len == 126) len = (static_cast<std::uint8_t>(buf_[2]) << 8) | static_cast<std::uint8_t>(buf_[3]);
                if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(buf_[2 + i]);
                }
                if (buf_.size() >= head + len) {
                    op = static_cast<std::uint8_t>(buf_[0]) & 0x0F;
                    payload = buf_.substr(head, len);
                    buf_.erase(0, head + len);
                    return true;
                }
            }
        }
        if (eof_) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, raw_ms_left(deadline)) <= 0) return false;
        char tmp[65536];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) {
            eof_ = true;
            continue;
        }
        buf_.append(tmp, static_cast<std::size_t>(n));
    }
}

std::optional<int> raw_ws_client::read_until_close(std::chrono::milliseconds timeout) {
    if (close_code_) return close_code_;
    const auto deadline = raw_clock::now() + timeout;
    std::uint8_t op = 0;
    std::string payload;
    while (read_frame(deadline, op, payload)) {
        if (op != static_cast<std::uint8_t>(opcode::close)) continue;
        close_code_ = payload.size() < 2 ? 1005
                                         : (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
        return close_code_;
    }
    if (eof_) return 1006;
    return std::nullopt;
}

std::optional<std::string> raw_ws_client::read_text(std::chrono::milliseconds timeout) {
    return read_payload(opcode::text, timeout);
}

std::optional<std::string> raw_ws_client::read_payload(opcode want, std::chrono::milliseconds timeout) {
    const auto deadline = raw_clock::now() + timeout;
    std::uint8_t op = 0;
    std::string payload;
    while (!close_code_ && read_frame(deadline, op, payload)) {
        if (op == static_cast<std::uint8_t>(want)) return payload;
        if (op == static_cast<std::uint8_t>(opcode::close))
            close_code_ = payload.size() < 2 ? 1005
                                             : (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
    }
    return std::nullopt;
}

}  // namespace rt::test
