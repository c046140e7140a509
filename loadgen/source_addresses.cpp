#include "loadgen/source_addresses.hpp"

namespace rt::loadgen {

bool is_loopback_ipv4(std::string_view host) {
    int parts = 0;
    std::size_t i = 0;
    unsigned first = 0;
    while (i <= host.size()) {
        unsigned value = 0;
        std::size_t digits = 0;
        while (i < host.size() && host[i] >= '0' && host[i] <= '9' && digits < 4) {
            value = value * 10 + static_cast<unsigned>(host[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) return false;
        if (parts == 0) first = value;
        ++parts;
        if (i == host.size()) break;
        if (host[i] != '.' || parts == 4) return false;
        ++i;
    }
    return parts == 4 && first == 127;
}

std::vector<std::string> source_addresses(std::string_view target_host, std::uint32_t count, std::uint32_t draw) {
    if (!is_loopback_ipv4(target_host) || count == 0) return {std::string()};
    const std::string prefix =
        "127." + std::to_string(1 + draw % 255) + "." + std::to_string((draw / 255) % 256) + ".";
    std::vector<std::string> out;
    for (std::uint32_t k = 1; k <= count && k <= 254; ++k) out.push_back(prefix + std::to_string(k));
    return out;
}

}  // namespace rt::loadgen
