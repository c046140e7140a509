#include "client/ws_url.hpp"

#include <cctype>

#include "protocol/host_port.hpp"

namespace rt::client {

namespace {

result<ws_url, std::string> fail(std::string_view text, std::string_view why) {
    return make_unexpected("bad URL '" + std::string(text) + "': " + std::string(why) +
                           " (expected ws://HOST[:PORT]/PATH or wss://..., e.g. ws://127.0.0.1:8080/live)");
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

}  // namespace

result<ws_url, std::string> parse_ws_url(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return fail(text, "contains a space or control character");

    constexpr std::string_view ws = "ws://";
    constexpr std::string_view wss = "wss://";
    const bool secure = text.substr(0, wss.size()) == wss;
    if (!secure && text.substr(0, ws.size()) != ws) return fail(text, "scheme must be ws:// or wss://");
    std::string_view rest = text.substr(secure ? wss.size() : ws.size());
    const std::uint16_t default_port = secure ? 443 : 80;  // the schemes' defaults (RFC 6455 3)

    std::size_t hier_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, hier_end);
    std::string_view tail = hier_end == std::string_view::npos ? std::string_view{} : rest.substr(hier_end);

    if (authority.find('@') != std::string_view::npos) return fail(text, "user info is not supported");
    auto hp = proto::parse_host_port(authority, default_port);
    if (!hp) return fail(text, hp.error());
    if (hp->port == 0) return fail(text, "port out of range 1-65535");
    if (hp->host.empty()) return fail(text, authority.empty() || authority.front() != '[' ? "missing host" : "empty host");
    if (authority.front() != '[')
        for (char c : hp->host)
            if (!is_host_char(c)) return fail(text, "bad character in host");
    ws_url u;
    u.host = std::move(hp->host);
    u.port = hp->port;
    u.secure = secure;

    if (std::size_t hash = tail.find('#'); hash != std::string_view::npos) {
        return fail(text, "fragments (#...) are not allowed");
    }
    std::size_t q = tail.find('?');
    std::string_view path = tail.substr(0, q);
    if (q != std::string_view::npos) u.query = std::string(tail.substr(q + 1));
    u.path = path.empty() ? "/" : std::string(path);
    return u;
}

std::string to_string(const ws_url& u) {
    std::string s = (u.secure ? "wss://" : "ws://") + proto::to_string(proto::host_port{u.host, u.port}) + u.path;
    if (!u.query.empty()) {
        s += '?';
        s += u.query;
    }
    return s;
}

std::string percent_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

void add_query_param(ws_url& u, std::string_view key, std::string_view value) {
    if (!u.query.empty()) u.query += '&';
    u.query += percent_encode(key);
    u.query += '=';
    u.query += percent_encode(value);
}

}  // namespace rt::client
