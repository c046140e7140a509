#include "protocol/host_port.hpp"

namespace rt::proto {

result<host_port, std::string> parse_host_port(std::string_view text, std::optional<std::uint16_t> default_port) {
    host_port hp;
    std::string_view port_text;
    bool has_port = false;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) return make_unexpected(std::string("unterminated [IPv6] host"));
        hp.host = std::string(text.substr(1, close - 1));
        const std::string_view after = text.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return make_unexpected(std::string("unexpected text after ]"));
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const std::size_t colon = text.rfind(':');
        hp.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
            has_port = true;
        }
    }
    if (!has_port) {
        if (!default_port) return make_unexpected(std::string("missing port"));
        hp.port = *default_port;
        return hp;
    }
    if (port_text.empty()) return make_unexpected(std::string("empty port"));
    unsigned long port = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9') return make_unexpected(std::string("port must be a number"));
        port = port * 10 + static_cast<unsigned long>(c - '0');
        if (port > 65535) return make_unexpected(std::string("port out of range 0-65535"));
    }
    hp.port = static_cast<std::uint16_t>(port);
    return hp;
}

std::string to_string(const host_port& hp) {
    const bool bracket = hp.host.find(':') != std::string::npos;
    return (bracket ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

}  // namespace rt::proto
