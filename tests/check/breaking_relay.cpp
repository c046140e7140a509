#include "check/breaking_relay.hpp"

#include "check/wire_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace rt::test {

namespace {

using relay_clock = std::chrono::steady_clock;
constexpr std::size_t relay_max_frame = 32u << 20;

bool relay_send_all(int fd, const std::string& bytes) {
    return check::send_all(fd, bytes, relay_clock::now() + std::chrono::seconds(5));
}

// Reads until `buf` holds "\r\n\r\n"; false on end of stream, 5 s, or `stop`.
bool relay_read_head(int fd, std::string& buf, const std::atomic<bool>& stop) {
    const auto deadline = relay_clock::now() + std::chrono::seconds(5);
    while (buf.find("\r\n\r\n") == std::string::npos) {
        if (stop || relay_clock::now() > deadline || buf.size() > 65536) return false;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char tmp[8192];
        const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf.append(tmp, static_cast<std::size_t>(n));
    }
    return true;
}

bool relay_is_upgrade(const std::string& head) {
    std::string low = head;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return low.find("upgrade: websocket") != std::string::npos;
}

// Pumps raw bytes both ways until either side ends (plain HTTP, or a refused upgrade).
void relay_raw(int a, int b, const std::atomic<bool>& stop) {
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    while (!stop) {
        if (::poll(p, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char tmp[65536];
            const ssize_t n = ::recv(p[i].fd, tmp, sizeof tmp, 0);
            if (n <= 0 || !relay_send_all(p[1 - i].fd, std::string(tmp, static_cast<std::size_t>(n)))) return;
        }
    }
}

class pass_rule : public relay_rule {};

class json_rule : public relay_rule {
public:
    json_rule(json_rewrite fn, bool server_side) : fn_(std::move(fn)), server_side_(server_side) {}
    relay_out from_server(check::ws_frame f) override {
        relay_out o;
        if (server_side_) o.to_client = apply(std::move(f));
        else o.to_client.push_back(std::move(f));
        return o;
    }
    relay_out from_client(check::ws_frame f) override {
        relay_out o;
        if (!server_side_) o.to_server = apply(std::move(f));
        else o.to_server.push_back(std::move(f));
        return o;
    }

private:
    std::vector<check::ws_frame> apply(check::ws_frame f) {
        if (f.op != check::ws_opcode::text) return {std::move(f)};
        nlohmann::json j = nlohmann::json::parse(f.payload, nullptr, false);
        if (j.is_discarded()) return {std::move(f)};
        std::vector<check::ws_frame> out;
        for (const nlohmann::json& m : fn_(std::move(j))) out.push_back({check::ws_opcode::text, m.dump(), true});
        return out;
    }
    json_rewrite fn_;
    bool server_side_;
};

}  // namespace

rule_factory pass_through() {
    return [] { return std::make_unique<pass_rule>(); };
}

rule_factory rewrite_server_json(json_rewrite fn) {
    return [fn] { return std::make_unique<json_rule>(fn, true); };
}

rule_factory rewrite_client_json(json_rewrite fn) {
    return [fn] { return std::make_unique<json_rule>(fn, false); };
}

breaking_relay::breaking_relay(int upstream_port, rule_factory make_rule)
    : upstream_port_(upstream_port), make_rule_(std::move(make_rule)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0)
        throw std::runtime_error("breaking_relay: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

breaking_relay::~breaking_relay() {
    stop_ = true;
    acceptor_.join();
    ::close(listen_fd_);
    std::lock_guard<std::mutex> lock(threads_mu_);
    for (auto& t : threads_) t.join();
}

void breaking_relay::accept_loop() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard<std::mutex> lock(threads_mu_);
        threads_.emplace_back([this, fd] {
            relay_connection(fd);
            ::close(fd);
        });
    }
}

void breaking_relay::relay_connection(int cfd) {
    std::unique_ptr<relay_rule> rule = make_rule_();
    std::string cbuf;
    if (!relay_read_head(cfd, cbuf, stop_)) return;
    const std::size_t end = cbuf.find("\r\n\r\n");
    std::string head = cbuf.substr(0, end);
    cbuf.erase(0, end + 4);
    const bool upgrade = relay_is_upgrade(head);
    if (auto answer = upgrade ? rule->on_request(head) : rule->on_http_request(head)) {
        relay_send_all(cfd, *answer);
        return;
    }
    const int sfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
    if (sfd < 0 || ::connect(sfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (sfd >= 0) ::close(sfd);
        return;
    }
    const int one = 1;
    ::setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } sclose{sfd};
    if (!relay_send_all(sfd, head + "\r\n\r\n" + cbuf)) return;
    cbuf.clear();
    if (!upgrade) return relay_raw(cfd, sfd, stop_);
    std::string sbuf;
    if (!relay_read_head(sfd, sbuf, stop_)) return;
    const std::size_t send_ = sbuf.find("\r\n\r\n");
    std::string shead = sbuf.substr(0, send_);
    sbuf.erase(0, send_ + 4);
    const bool switched = shead.rfind("HTTP/1.1 101", 0) == 0;
    rule->on_response(shead);
    if (!relay_send_all(cfd, shead + "\r\n\r\n")) return;
    if (!switched) {
        relay_send_all(cfd, sbuf);
        return relay_raw(cfd, sfd, stop_);
    }
    auto flush = [&](relay_out out) {
        for (const auto& f : out.to_server)
            if (!relay_send_all(sfd, check::encode_frame(f, true))) return false;
        for (const auto& f : out.to_client)
            if (!relay_send_all(cfd, check::encode_frame(f, false))) return false;
        return true;
    };
    std::string* bufs[2] = {&cbuf, &sbuf};
    // Decodes and relays every whole frame in bufs[i]; false when the connection must end.
    auto drain = [&](int i) {
        for (;;) {
            check::frame_decode d = check::decode_frame(*bufs[i], relay_max_frame);
            if (d.st == check::frame_decode::status::bad) return false;
            if (d.st != check::frame_decode::status::frame) return true;
            bufs[i]->erase(0, d.consumed);
            if (!flush(i == 0 ? rule->from_client(std::move(d.frame)) : rule->from_server(std::move(d.frame)))) return false;
        }
    };
    if (!drain(1)) return;  // frames that came with the server's answer head
    pollfd p[2] = {{cfd, POLLIN, 0}, {sfd, POLLIN, 0}};
    while (!stop_) {
        if (::poll(p, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char tmp[65536];
            const ssize_t n = ::recv(p[i].fd, tmp, sizeof tmp, 0);
            if (n <= 0) return;
            bufs[i]->append(tmp, static_cast<std::size_t>(n));
            if (!drain(i)) return;
        }
    }
}

}  // namespace rt::test
