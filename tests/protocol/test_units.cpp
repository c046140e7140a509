#include <catch2/catch.hpp>

#include <string>

#include "protocol/units.hpp"

using namespace std::chrono_literals;
using rt::proto::format_bytes;
using rt::proto::format_duration_us;
using rt::proto::parse_duration;
using rt::proto::parse_duration_us;
using rt::proto::parse_rate;
using rt::proto::parse_size;

namespace {

bool mentions(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("parse_duration accepts the documented forms", "[units]") {
    struct row {
        const char* text;
        std::chrono::milliseconds want;
    };
    const row rows[] = {
        {"0", 0ms},          {"0.0", 0ms},        {"0ms", 0ms},         {"0s", 0ms},
        {"250ms", 250ms},    {"5s", 5000ms},      {"2m", 120'000ms},    {"1h", 3'600'000ms},
        {"1.5s", 1500ms},    {"0.25s", 250ms},    {"1.5m", 90'000ms},   {"0.5h", 1'800'000ms},
        {"1500us", 2ms},  // 1.5 ms rounds half up
        {"1400us", 1ms},     {"1000us", 1ms},     {"999us", 1ms},       {"500us", 1ms},
        {"2000\xC2\xB5s", 2ms},                    {"1.0004s", 1000ms},  {"1.0005s", 1001ms},
        {"007s", 7000ms},    {"1.123456789012345s", 1123ms},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto got = parse_duration(r.text);
        REQUIRE(got.ok());
        CHECK(*got == r.want);
    }
}

TEST_CASE("parse_duration_us keeps microseconds", "[units]") {
    struct row {
        const char* text;
        std::chrono::microseconds want;
    };
    const row rows[] = {
        {"0", 0us},          {"500us", 500us},    {"1us", 1us},          {"0.5us", 1us},
        {"0.4us", 0us},      {"1.5ms", 1500us},   {"250ms", 250'000us},  {"1.5s", 1'500'000us},
        {"2m", 120'000'000us}, {"1h", 3'600'000'000us}, {"12\xC2\xB5s", 12us},
        {"0.000001s", 1us},  {"2562047h", 2562047LL * 3'600'000'000us},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto got = parse_duration_us(r.text);
        REQUIRE(got.ok());
        CHECK(*got == r.want);
    }
}

TEST_CASE("parse_duration rejects malformed text and names it", "[units]") {
    const char* bad[] = {"",     "s",     "5",     "250",   "5 s",   " 5s",  "5s ",  "-5s",
                         "+5s",  "5S",    "5sec",  "5ms5",  "1.s",   ".5s",  "1..5s", "1.5.5s",
                         "1e3ms", "abc",  "5d",    "5ns",   "inf",   "nan",  "0x10s", "5/s"};
    for (const char* text : bad) {
        INFO(text);
        const auto got = parse_duration(text);
        REQUIRE_FALSE(got.ok());
        CHECK(mentions(got.error(), std::string{"\""} + text + "\""));
        CHECK(mentions(got.error(), "250ms"));  // the expected form
        CHECK_FALSE(parse_duration_us(text).ok());
    }
}

TEST_CASE("parse_duration rejects what rounds to zero or overflows", "[units]") {
    SECTION("nonzero below half a millisecond") {
        for (const char* text : {"1us", "499us", "0.4ms", "0.0001s"}) {
            INFO(text);
            const auto got = parse_duration(text);
            REQUIRE_FALSE(got.ok());
            CHECK(mentions(got.error(), text));
            CHECK(mentions(got.error(), "1ms"));
            CHECK(parse_duration_us(text).ok());
        }
    }
    SECTION("too large") {
        for (const char* text : {"2562048h", "99999999999999999999s", "18446744073709551616ms"}) {
            INFO(text);
            const auto got = parse_duration(text);
            REQUIRE_FALSE(got.ok());
            CHECK(mentions(got.error(), text));
            CHECK(mentions(got.error(), "too large"));
        }
    }
}

TEST_CASE("parse_rate gives events per second", "[units]") {
    struct row {
        const char* text;
        double want;
    };
    const row rows[] = {
        {"10/s", 10.0},     {"1000/s", 1000.0}, {"2.5/s", 2.5},    {"5/m", 5.0 / 60.0},
        {"60/m", 1.0},      {"3600/h", 1.0},    {"100", 100.0},    {"0.5", 0.5},
        {"0/s", 0.0},       {"0", 0.0},         {"1000000/s", 1e6},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto got = parse_rate(r.text);
        REQUIRE(got.ok());
        CHECK(*got == Approx(r.want).epsilon(1e-12));
    }
}

TEST_CASE("parse_rate rejects malformed text and names it", "[units]") {
    const char* bad[] = {"",    "/s",   "10/",   "10/x",   "10/ms", "10 /s", "10/ s", "-1/s",
                         "1e3/s", "10s", "10/s/s", "abc", "10//s", "10/S",  ".5/s",  "inf/s"};
    for (const char* text : bad) {
        INFO(text);
        const auto got = parse_rate(text);
        REQUIRE_FALSE(got.ok());
        CHECK(mentions(got.error(), std::string{"\""} + text + "\""));
        CHECK(mentions(got.error(), "10/s"));
    }
}

TEST_CASE("parse_size handles binary and decimal units", "[units]") {
    struct row {
        const char* text;
        std::uint64_t want;
    };
    const row rows[] = {
        {"0", 0},
        {"512", 512},
        {"512B", 512},
        {"64KiB", 64 * 1024},
        {"1MiB", 1 << 20},
        {"1GiB", 1ull << 30},
        {"2TiB", 2ull << 40},
        {"64KB", 64'000},
        {"64kB", 64'000},
        {"1MB", 1'000'000},
        {"1GB", 1'000'000'000},
        {"3TB", 3'000'000'000'000},
        {"1.5MiB", 1'572'864},
        {"0.5KiB", 512},
        {"1.5B", 2},  // rounded to the nearest byte, half up
        {"18446744073709551615", 18'446'744'073'709'551'615ull},
        {"18446744073709551615B", 18'446'744'073'709'551'615ull},
        {"16777215TiB", 16'777'215ull << 40},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto got = parse_size(r.text);
        REQUIRE(got.ok());
        CHECK(*got == r.want);
    }
}

TEST_CASE("parse_size rejects malformed and oversized text", "[units]") {
    const char* bad[] = {"",     "KiB",   "64 KiB", "64kib", "64K",   "64M",  "64Kb", "64mb",
                         "-1",   "1e6",   "1.KiB",  ".5MiB", "64KiBs", "abc", "64PiB"};
    for (const char* text : bad) {
        INFO(text);
        const auto got = parse_size(text);
        REQUIRE_FALSE(got.ok());
        CHECK(mentions(got.error(), std::string{"\""} + text + "\""));
        CHECK(mentions(got.error(), "KiB"));
    }
    for (const char* text : {"18446744073709551616", "16777216TiB", "99999999999999999999999B"}) {
        INFO(text);
        const auto got = parse_size(text);
        REQUIRE_FALSE(got.ok());
        CHECK(mentions(got.error(), "too large"));
    }
}

TEST_CASE("format_duration_us is human readable", "[units]") {
    struct row {
        double us;
        const char* want;
    };
    const row rows[] = {
        {0, "0\xC2\xB5s"},          {5, "5\xC2\xB5s"},          {5.4, "5\xC2\xB5s"},
        {850, "850\xC2\xB5s"},      {999.4, "999\xC2\xB5s"},    {999.5, "1.00ms"},
        {1000, "1.00ms"},           {1234, "1.23ms"},           {9994, "9.99ms"},
        {9996, "10.0ms"},           {12'345, "12.3ms"},         {99'940, "99.9ms"},
        {99'960, "100ms"},          {123'456, "123ms"},         {999'400, "999ms"},
        {999'600, "1.00s"},         {1'250'000, "1.25s"},       {12'500'000, "12.5s"},
        {125'000'000, "125s"},      {3'600'000'000, "3600s"},   {-850, "-850\xC2\xB5s"},
        {-1'250'000, "-1.25s"},
    };
    for (const auto& r : rows) {
        INFO(r.us);
        CHECK(format_duration_us(r.us) == r.want);
    }
}

TEST_CASE("format_bytes uses binary units with one decimal", "[units]") {
    struct row {
        std::uint64_t bytes;
        const char* want;
    };
    const row rows[] = {
        {0, "0 B"},
        {512, "512 B"},
        {1023, "1023 B"},
        {1024, "1.0 KiB"},
        {1536, "1.5 KiB"},
        {1 << 20, "1.0 MiB"},
        {(1 << 20) - 1, "1.0 MiB"},  // 1023.999 KiB would print as 1024.0 KiB
        {(1 << 20) - 60, "1023.9 KiB"},
        {5ull << 30, "5.0 GiB"},
        {3ull << 40, "3.0 TiB"},
        {18'446'744'073'709'551'615ull, "16.0 EiB"},
    };
    for (const auto& r : rows) {
        INFO(r.bytes);
        CHECK(format_bytes(r.bytes) == r.want);
    }
}

TEST_CASE("sizes and durations round-trip through format and parse", "[units]") {
    for (std::uint64_t kib : {1ull, 64ull, 1024ull, 4096ull}) {
        const auto text = std::to_string(kib) + "KiB";
        REQUIRE(parse_size(text).ok());
        CHECK(*parse_size(text) == kib * 1024);
    }
    CHECK(format_bytes(*parse_size("64KiB")) == "64.0 KiB");
    CHECK(format_duration_us(static_cast<double>(parse_duration_us("1.25s")->count())) == "1.25s");
}

TEST_CASE("format_duration writes a setting exactly, in the largest unit that divides it", "[units]") {
    struct row {
        std::int64_t ms;
        const char* want;
    };
    const row rows[] = {
        {0, "0ms"},     {1, "1ms"},     {250, "250ms"}, {1000, "1s"},      {1500, "1500ms"},
        {30000, "30s"}, {60000, "1m"},  {90000, "90s"}, {3600000, "60m"},
    };
    for (const auto& r : rows) {
        INFO(r.ms);
        const auto text = rt::proto::format_duration(std::chrono::milliseconds(r.ms));
        CHECK(text == r.want);
        CHECK(parse_duration(text)->count() == r.ms);  // and it reads back
    }
}

TEST_CASE("format_duration_us takes any chrono duration", "[units]") {
    CHECK(format_duration_us(std::chrono::milliseconds(250)) == "250ms");
    CHECK(format_duration_us(std::chrono::seconds(10)) == "10.0s");
    CHECK(format_duration_us(std::chrono::nanoseconds(12'345'000)) == "12.3ms");
    CHECK(format_duration_us(std::chrono::microseconds(5)) == "5\xC2\xB5s");
}
