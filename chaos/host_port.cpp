#include "chaos/host_port.hpp"

#include <algorithm>
#include <cctype>

namespace rt::chaos {

result<asio::ip::tcp::endpoint, std::string> parse_host_port(std::string_view text) {
    auto bad = [&](const char* why) {
        return make_unexpected("bad address \"" + std::string(text) + "\": " + why + " (expected HOST:PORT, e.g. 127.0.0.1:9001)");
    };
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    std::string_view host = text.substr(0, colon);
    std::string_view port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return bad("missing host");
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
        return bad("port is not a number");
    unsigned long port_no = std::stoul(std::string(port));
    if (port_no > 65535) return bad("port above 65535");
    std::string host_text = host == "localhost" ? std::string("127.0.0.1") : std::string(host);
    std::error_code ec;
    auto addr = asio::ip::make_address(host_text, ec);
    if (ec) return bad("host is not an IP address");
    return asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port_no));
}

std::string to_string(const asio::ip::tcp::endpoint& ep) {
    std::string host = ep.address().to_string();
    if (ep.address().is_v6()) host = "[" + host + "]";
    return host + ":" + std::to_string(ep.port());
}

}  // namespace rt::chaos
