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

#include <memory>

#include "protocol/host_port.hpp"
#include "tls/openssl_setup.hpp"

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

// One connection's bytes over the non-blocking socket: send/recv, or OpenSSL's SSL_write/SSL_read
// when `ssl` is set (TLS may need to read while writing and the other way round: it says which).
class http_channel {
public:
    http_channel(int fd, SSL* ssl, std::string where) : fd_(fd), ssl_(ssl), where_(std::move(where)) {}

    // The TLS handshake, verified as `ssl` was set up. No-op without TLS.
    result<void, std::string> handshake(clock_type::time_point deadline) {
        if (!ssl_) return {};
        for (;;) {
            const int r = SSL_connect(ssl_);
            if (r == 1) return {};
            auto waited = wait_for_tls(r, deadline, "TLS handshake with ");
            if (waited) continue;
            if (const long verdict = SSL_get_verify_result(ssl_); verdict != X509_V_OK)
                return make_unexpected(tls::describe_verify_failure(verdict));
            return make_unexpected(waited.error());
        }
    }

    // Sends all of `data`; the error says why not.
    result<void, std::string> write_all(const std::string& data, clock_type::time_point deadline) {
        for (std::size_t sent = 0; sent < data.size();) {
            if (ssl_) {
                const int n = SSL_write(ssl_, data.data() + sent, static_cast<int>(data.size() - sent));
                if (n > 0) sent += static_cast<std::size_t>(n);
                else if (auto w = wait_for_tls(n, deadline, "sending to "); !w) return w;
                continue;
            }
            if (!wait_ready(fd_, POLLOUT, deadline)) return make_unexpected("sending to " + where_ + ": timed out");
            const ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0) return make_unexpected(errno_text(("sending to " + where_).c_str()));
            sent += static_cast<std::size_t>(n);
        }
        return {};
    }

    // Reads what is there (waiting for it): the byte count, 0 at the end of the stream.
    result<std::size_t, std::string> read_some(char* buf, std::size_t size, clock_type::time_point deadline) {
        for (;;) {
            if (ssl_) {
                const int n = SSL_read(ssl_, buf, static_cast<int>(size));
                if (n > 0) return static_cast<std::size_t>(n);
                const int e = SSL_get_error(ssl_, n);
                if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && n == 0)) return std::size_t{0};
                if (auto w = wait_for_tls(n, deadline, "reading from "); !w) return make_unexpected(w.error());
                continue;
            }
            if (!wait_ready(fd_, POLLIN, deadline)) return make_unexpected("no response from " + where_ + " in time");
            const ssize_t n = recv(fd_, buf, size, 0);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0) return make_unexpected(errno_text(("reading from " + where_).c_str()));
            return static_cast<std::size_t>(n);
        }
    }

private:
    // After an SSL call returned `r` <= 0: waits for what OpenSSL wants (ok: call again), or says
    // what failed ("<what><where>: <OpenSSL's reason>").
    result<void, std::string> wait_for_tls(int r, clock_type::time_point deadline, const char* what) {
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_ready(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return {};
            return make_unexpected(what + where_ + ": timed out");
        }
        std::string why = tls::openssl_error_text();
        if (why.empty()) why = e == SSL_ERROR_SYSCALL ? "connection closed" : "TLS error " + std::to_string(e);
        return make_unexpected(what + where_ + ": " + why);
    }

    int fd_;
    SSL* ssl_;
    std::string where_;
};

struct ssl_ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
};

}  // namespace

result<http_url, std::string> parse_http_url(std::string_view text) {
    const auto bad = [&](const std::string& why) {
        return make_unexpected("\"" + std::string(text) + "\": " + why + " (expected http://HOST[:PORT]/PATH or https://...)");
    };
    const bool secure = text.rfind("https://", 0) == 0;
    if (!secure && text.rfind("http://", 0) != 0) return bad("not an http:// URL");
    std::string_view rest = text.substr(secure ? 8 : 7);
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    http_url u;
    u.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
    if (u.path.find_first_of("?#") != std::string::npos) return bad("no query or fragment in a base URL");
    auto hp = proto::parse_host_port(authority, static_cast<std::uint16_t>(secure ? 443 : 80));  // the schemes' defaults
    if (!hp) return bad("bad port or host: " + hp.error());
    if (hp->port == 0) return bad("bad port: 0");
    u.host = std::move(hp->host);
    u.port = hp->port;
    u.secure = secure;
    in_addr addr{};
    if (u.host != "localhost" && inet_pton(AF_INET, u.host.c_str(), &addr) != 1)
        return bad("HOST must be an IPv4 address or localhost");
    return u;
}

result<http_response, std::string> http_exchange(const http_url& url, const http_call& call,
                                                 std::chrono::milliseconds timeout, const tls_trust& trust) {
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

    // https://: one context per request (these are a handful per run, not a hot path).
    std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx;
    std::unique_ptr<SSL, ssl_free> ssl;
    if (url.secure) {
        ctx.reset(SSL_CTX_new(TLS_client_method()));
        if (!ctx) return make_unexpected("TLS: " + tls::openssl_error_text());
        if (auto set = tls::setup_client(ctx.get(), trust.ca_file, trust.insecure_skip_verify); !set)
            return make_unexpected(set.error());
        ssl.reset(SSL_new(ctx.get()));
        if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1 ||
            (!trust.insecure_skip_verify && !tls::set_peer_name(ssl.get(), url.host)))
            return make_unexpected("TLS: " + tls::openssl_error_text());
    }
    http_channel channel(fd.get(), ssl.get(), where);
    if (auto shook = channel.handshake(deadline); !shook) return make_unexpected(shook.error());

    std::string request = call.method + " " + url.path + call.path + " HTTP/1.1\r\nHost: " + where + "\r\n";
    if (!call.token.empty()) request += "Authorization: Bearer " + call.token + "\r\n";
    if (!call.body.empty()) request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + std::to_string(call.body.size()) + "\r\nConnection: close\r\n\r\n" + call.body;
    if (auto sent = channel.write_all(request, deadline); !sent) return make_unexpected(sent.error());

    std::string response;
    char buf[16 * 1024];
    for (;;) {
        auto n = channel.read_some(buf, sizeof buf, deadline);
        if (!n) return make_unexpected(n.error());
        if (*n == 0) break;  // Connection: close
        response.append(buf, *n);
        if (response.size() > max_response_bytes) return make_unexpected("response from " + where + " over 1 MiB");
        if (response_complete(response)) break;
    }
    auto parsed = parse_response(response);
    if (!parsed) return make_unexpected("response from " + where + ": " + parsed.error());
    return parsed;
}

}  // namespace rt::client
