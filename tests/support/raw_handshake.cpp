#include "support/raw_handshake.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

namespace rt::test {

raw_handshake_reply raw_handshake(int port, const std::string& request, std::chrono::milliseconds timeout) {
    raw_handshake_reply r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return r;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return r;
    }
    r.connected = true;
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string resp;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<std::size_t>(n));
        // An accepted upgrade keeps the connection open: stop at the end of its head.
        if (resp.rfind("HTTP/1.1 101", 0) == 0 && resp.find("\r\n\r\n") != std::string::npos) break;
    }
    close(fd);
    auto end = resp.find("\r\n\r\n");
    r.head = resp.substr(0, end);
    if (end != std::string::npos) r.body = resp.substr(end + 4);
    if (resp.rfind("HTTP/", 0) == 0) {
        auto sp = resp.find(' ');
        if (sp != std::string::npos) r.status = std::atoi(resp.c_str() + sp + 1);
    }
    return r;
}

std::string raw_upgrade_request(const std::string& resource, const std::map<std::string, std::string>& overrides) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Host", "127.0.0.1"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"},
    };
    for (const auto& [name, value] : overrides) {
        bool found = false;
        for (auto& h : headers)
            if (h.first == name) h.second = value, found = true;
        if (!found) headers.emplace_back(name, value);
    }
    std::string req = "GET " + resource + " HTTP/1.1\r\n";
    for (const auto& [name, value] : headers)
        if (!value.empty()) req += name + ": " + value + "\r\n";
    return req + "\r\n";
}

}  // namespace rt::test
