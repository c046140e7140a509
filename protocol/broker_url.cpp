#include "protocol/broker_url.hpp"

#include "protocol/host_port.hpp"

namespace rt::proto {

namespace {
constexpr std::string_view k_redis_scheme = "redis://";
constexpr std::uint16_t k_redis_default_port = 6379;  // Redis's own default
constexpr int k_redis_max_db = 15;                     // Redis's default `databases 16`
}  // namespace

result<broker_url, std::string> parse_broker_url(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return make_unexpected("'" + std::string(text) + "': " + why + " (expected redis://HOST:PORT[/DB])");
    };
    if (text.substr(0, k_redis_scheme.size()) != k_redis_scheme)
        return fail(text.find("://") == std::string_view::npos ? "no scheme" : "the scheme must be redis://");
    std::string_view rest = text.substr(k_redis_scheme.size());
    if (rest.find('@') != std::string_view::npos) return fail("user and password are not supported");
    if (rest.find('?') != std::string_view::npos) return fail("query parameters are not supported");
    std::string_view authority = rest, path;
    // The path starts at the first '/' after a bracketed host's ']'.
    std::size_t from = rest.empty() || rest[0] != '[' ? 0 : rest.find(']');
    if (std::size_t slash = rest.find('/', from == std::string_view::npos ? 0 : from); slash != std::string_view::npos) {
        authority = rest.substr(0, slash);
        path = rest.substr(slash + 1);
    }
    auto hp = parse_host_port(authority, k_redis_default_port);
    if (!hp) return fail(hp.error());
    if (hp->host.empty()) return fail("missing host");
    broker_url u{hp->host, hp->port, 0};
    if (!path.empty()) {
        if (path.size() > 2 || path.find_first_not_of("0123456789") != std::string_view::npos)
            return fail("the database must be a number 0-" + std::to_string(k_redis_max_db));
        u.db = std::stoi(std::string(path));
        if (u.db > k_redis_max_db) return fail("the database must be a number 0-" + std::to_string(k_redis_max_db));
    }
    if (u.port == 0) return fail("port 0 is not a Redis port");
    return u;
}

std::string to_string(const broker_url& u) {
    return std::string(k_redis_scheme) + to_string(host_port{u.host, u.port}) + "/" + std::to_string(u.db);
}

}  // namespace rt::proto
