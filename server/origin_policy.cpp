#include "server/origin_policy.hpp"

#include <cctype>

namespace rt::server {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "http://host:port" → scheme_host "http://host", port "port"; false when not of that shape.
bool split_origin(std::string_view text, std::string& scheme_host, std::string& port) {
    auto sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0) return false;
    std::string_view host = text.substr(sep + 3);
    if (host.empty() || host.find('/') != std::string_view::npos) return false;
    std::size_t colon = std::string_view::npos;
    if (host.front() == '[') {  // [::1]:8080
        auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':') return false;
            colon = close + 1;
        }
    } else {
        colon = host.rfind(':');
    }
    if (colon == std::string_view::npos) {
        scheme_host = lower(text);
        port.clear();
    } else {
        scheme_host = lower(text.substr(0, sep + 3 + colon));
        port = std::string(host.substr(colon + 1));
        if (port.empty()) return false;
    }
    return true;
}

}  // namespace

result<origin_policy, std::string> origin_policy::parse(const std::vector<std::string>& patterns) {
    origin_policy p;
    for (const auto& text : patterns) {
        if (text == "*") {
            p.any_ = true;
            continue;
        }
        pattern pat;
        bool digits = true;
        if (split_origin(text, pat.scheme_host, pat.port))
            for (char c : pat.port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (pat.scheme_host.empty() || (!digits && pat.port != "*"))
            return make_unexpected("--allowed-origins: '" + text +
                                   "' is not an origin pattern (expected *, SCHEME://HOST, SCHEME://HOST:PORT or "
                                   "SCHEME://HOST:*, e.g. https://app.example.com)");
        p.patterns_.push_back(std::move(pat));
    }
    return p;
}

origin_policy origin_policy::local_default(const std::string& own_origin) {
    std::vector<std::string> v{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"};
    if (!own_origin.empty()) v.push_back(own_origin);
    return *parse(v);
}

bool origin_policy::allows(std::string_view origin) const {
    if (origin.empty() || any_) return true;
    std::string scheme_host, port;
    if (!split_origin(origin, scheme_host, port)) return false;  // "null" (sandboxed pages, file://) too
    for (const auto& p : patterns_) {
        if (p.scheme_host != scheme_host) continue;
        if (p.port == "*" || p.port == port) return true;  // ":*" also matches the default port
    }
    return false;
}

std::string origin_policy::describe() const {
    if (any_) return "*";
    std::string out;
    for (const auto& p : patterns_) out += (out.empty() ? "" : ", ") + p.scheme_host + (p.port.empty() ? "" : ":" + p.port);
    return out;
}

}  // namespace rt::server
