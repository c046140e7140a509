#include "chaos/host_port.hpp"

#include "protocol/host_port.hpp"

namespace rt::chaos {

result<asio::ip::tcp::endpoint, std::string> parse_host_port(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return make_unexpected("bad address \"" + std::string(text) + "\": " + why + " (expected HOST:PORT, e.g. 127.0.0.1:9001)");
    };
    auto hp = proto::parse_host_port(text);
    if (!hp) return bad(hp.error());
    if (hp->host.empty()) return bad("missing host");
    std::error_code ec;
    auto addr = asio::ip::make_address(hp->host == "localhost" ? std::string("127.0.0.1") : hp->host, ec);
    if (ec) return bad("host is not an IP address");
    return asio::ip::tcp::endpoint(addr, hp->port);
}

std::string to_string(const asio::ip::tcp::endpoint& ep) {
    return proto::to_string(proto::host_port{ep.address().to_string(), ep.port()});
}

}  // namespace rt::chaos
