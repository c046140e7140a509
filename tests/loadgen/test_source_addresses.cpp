// Which addresses a run's connections bind to: a per-run 127.A.B.x for loopback targets only.
#include <catch2/catch.hpp>

#include "loadgen/source_addresses.hpp"

using namespace rt::loadgen;

TEST_CASE("source addresses: a loopback target gets a per-run prefix, others the kernel's choice",
          "[loadgen][source-addresses]") {
    struct row {
        const char* host;
        std::uint32_t count;
        std::uint32_t draw;
        std::vector<std::string> want;
    };
    const std::vector<row> rows = {
        {"127.0.0.1", 1, 0, {"127.1.0.1"}},                   // never 127.0.0.x
        {"127.0.0.1", 1, 254, {"127.255.0.1"}},
        {"127.0.0.1", 1, 255, {"127.1.1.1"}},                 // the next B
        {"127.0.0.1", 3, 255 * 256 + 7, {"127.8.0.1", "127.8.0.2", "127.8.0.3"}},  // B wraps
        {"127.9.9.9", 2, 0, {"127.1.0.1", "127.1.0.2"}},      // any target in 127/8
        {"10.0.0.5", 1, 12, {""}},                            // another host: the kernel picks
        {"localhost", 1, 12, {""}},                           // a name may resolve to ::1
        {"::1", 1, 12, {""}},
        {"127.0.0.1", 0, 12, {""}},
    };
    for (const auto& r : rows) {
        INFO(r.host << " count " << r.count << " draw " << r.draw);
        CHECK(source_addresses(r.host, r.count, r.draw) == r.want);
    }
    CHECK(source_addresses("127.0.0.1", 300, 0).size() == 254);  // .1 to .254 at most
}

TEST_CASE("source addresses: two draws share a prefix only when equal modulo 65,280", "[loadgen][source-addresses]") {
    CHECK(source_addresses("127.0.0.1", 1, 1) != source_addresses("127.0.0.1", 1, 2));
    CHECK(source_addresses("127.0.0.1", 1, 5) == source_addresses("127.0.0.1", 1, 5 + 255 * 256));
}

TEST_CASE("source addresses: what counts as a loopback IPv4 literal", "[loadgen][source-addresses]") {
    struct row {
        const char* host;
        bool loopback;
    };
    const row rows[] = {
        {"127.0.0.1", true},   {"127.255.255.254", true}, {"127.1.2.3", true},  {"128.0.0.1", false},
        {"12.0.0.1", false},   {"127.0.0", false},        {"127.0.0.1.", false}, {"127.0.0.256", false},
        {"127.0.0.1000", false}, {"127..0.1", false},     {"", false},          {"localhost", false},
        {"127.0.0.1x", false}, {"::1", false},
    };
    for (const auto& r : rows) {
        INFO(r.host);
        CHECK(is_loopback_ipv4(r.host) == r.loopback);
    }
}
