#include "protocol/units.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

namespace rt::proto {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// Fraction digits kept; more are ignored. 12 digits is below a nanosecond of an hour and below a
// byte of a terabyte, and keeps every product inside 128 bits.
constexpr unsigned max_frac_digits = 12;

// An unsigned decimal number "123" or "1.25", held exactly.
struct decimal {
    std::uint64_t int_part = 0;
    std::uint64_t frac = 0;       // the digits after '.', as an integer
    unsigned frac_digits = 0;     // how many of them were kept
    bool too_large = false;       // the integer part does not fit in 64 bits
};

// Parses all of `s` as digits, optionally followed by '.' and more digits. Both sides of the '.'
// need at least one digit. Returns nullopt for anything else (signs, exponents, spaces, empty).
std::optional<decimal> parse_decimal(std::string_view s) {
    decimal d;
    std::size_t i = 0;
    std::size_t int_digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
        const std::uint64_t digit = static_cast<std::uint64_t>(s[i] - '0');
        if (d.int_part > (u64_max - digit) / 10) d.too_large = true;
        else d.int_part = d.int_part * 10 + digit;
    }
    if (int_digits == 0) return std::nullopt;
    if (i == s.size()) return d;
    if (s[i] != '.') return std::nullopt;
    ++i;
    std::size_t frac_digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++frac_digits) {
        if (d.frac_digits < max_frac_digits) {
            d.frac = d.frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
            ++d.frac_digits;
        }
    }
    if (frac_digits == 0 || i != s.size()) return std::nullopt;
    return d;
}

// Splits "1.5MiB" into "1.5" and "MiB": the number is the longest prefix of digits and dots.
std::pair<std::string_view, std::string_view> split_number(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    return {s.substr(0, i), s.substr(i)};
}

// d * multiplier rounded to the nearest integer (half up); nullopt if it exceeds 2^64-1.
std::optional<std::uint64_t> scale(const decimal& d, std::uint64_t multiplier) {
    if (d.too_large) return std::nullopt;
    const u128 whole = static_cast<u128>(d.int_part) * multiplier;
    u128 pow10 = 1;
    for (unsigned i = 0; i < d.frac_digits; ++i) pow10 *= 10;
    const u128 part = (static_cast<u128>(d.frac) * multiplier + pow10 / 2) / pow10;
    const u128 total = whole + part;
    if (total > u64_max) return std::nullopt;
    return static_cast<std::uint64_t>(total);
}

double to_double(const decimal& d) {
    return static_cast<double>(d.int_part) +
           static_cast<double>(d.frac) / std::pow(10.0, static_cast<double>(d.frac_digits));
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    out.append(text);
    out += '"';
    return out;
}

std::string bad_duration(std::string_view text) {
    return "invalid duration " + quoted(text) +
           ": expected a number and a unit (us, ms, s, m, h), like 250ms, 1.5s or 2m";
}

// Parses a duration into nanoseconds, the common ground for both precisions.
result<std::uint64_t, std::string> parse_duration_ns(std::string_view text) {
    const auto [number, unit] = split_number(text);
    const auto d = parse_decimal(number);
    if (!d) return make_unexpected(bad_duration(text));
    std::uint64_t unit_ns = 0;
    if (unit == "us" || unit == "\xC2\xB5s") unit_ns = 1'000;
    else if (unit == "ms") unit_ns = 1'000'000;
    else if (unit == "s") unit_ns = 1'000'000'000;
    else if (unit == "m") unit_ns = 60'000'000'000;
    else if (unit == "h") unit_ns = 3'600'000'000'000;
    else if (unit.empty() && d->int_part == 0 && d->frac == 0 && !d->too_large) return std::uint64_t{0};
    else return make_unexpected(bad_duration(text));

    const auto ns = scale(*d, unit_ns);
    // chrono durations are signed 64-bit: keep the nanosecond count representable (~292 years).
    if (!ns || *ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return make_unexpected("duration " + quoted(text) + " is too large");
    return *ns;
}

}  // namespace

result<std::chrono::microseconds, std::string> parse_duration_us(std::string_view text) {
    auto ns = parse_duration_ns(text);
    if (!ns) return make_unexpected(std::move(ns.error()));
    return std::chrono::microseconds{static_cast<std::int64_t>((*ns + 500) / 1'000)};
}

result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
    auto ns = parse_duration_ns(text);
    if (!ns) return make_unexpected(std::move(ns.error()));
    const std::uint64_t ms = (*ns + 500'000) / 1'000'000;
    if (ms == 0 && *ns != 0)
        return make_unexpected("duration " + quoted(text) +
                               " rounds to 0ms: the resolution here is 1ms (write 0 or at least 1ms)");
    return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

result<double, std::string> parse_rate(std::string_view text) {
    const auto bad = [&] {
        return make_unexpected("invalid rate " + quoted(text) +
                               ": expected events per time unit (s, m, h), like 10/s, 5/m or 2.5/s;"
                               " a bare number means per second");
    };
    const std::size_t slash = text.find('/');
    const std::string_view number = text.substr(0, slash);
    const auto d = parse_decimal(number);
    if (!d || d->too_large) return bad();
    double per_unit_s = 1.0;
    if (slash != std::string_view::npos) {
        const std::string_view unit = text.substr(slash + 1);
        if (unit == "s") per_unit_s = 1.0;
        else if (unit == "m") per_unit_s = 60.0;
        else if (unit == "h") per_unit_s = 3600.0;
        else return bad();
    }
    return to_double(*d) / per_unit_s;
}

result<std::uint64_t, std::string> parse_size(std::string_view text) {
    const auto [number, unit] = split_number(text);
    const auto d = parse_decimal(number);
    if (!d)
        return make_unexpected("invalid size " + quoted(text) +
                               ": expected a number of bytes with an optional unit (B, KiB, MiB, GiB,"
                               " TiB, KB, MB, GB, TB), like 512, 64KiB or 1MiB");
    struct unit_entry {
        std::string_view name;
        std::uint64_t bytes;
    };
    static constexpr unit_entry units[] = {
        {"", 1},           {"B", 1},
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
        {"KB", 1'000},     {"kB", 1'000},       {"MB", 1'000'000},
        {"GB", 1'000'000'000}, {"TB", 1'000'000'000'000},
    };
    for (const auto& u : units) {
        if (u.name != unit) continue;
        const auto bytes = scale(*d, u.bytes);
        if (!bytes) return make_unexpected("size " + quoted(text) + " is too large");
        return *bytes;
    }
    return make_unexpected("invalid size " + quoted(text) + ": unknown unit " + quoted(unit) +
                           "; expected B, KiB, MiB, GiB, TiB, KB, MB, GB or TB");
}

namespace {

// v (>= 0) with 3 significant digits, switching to fewer decimals where rounding would add a digit.
std::string three_significant(double v) {
    const int decimals = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::string format_duration_us(double us) {
    if (std::isnan(us)) return "nan";
    const std::string sign = us < 0 ? "-" : "";
    const double a = std::fabs(us);
    if (std::isinf(a)) return sign + "inf";
    if (a < 999.5) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", a);
        return sign + buf + "\xC2\xB5s";
    }
    if (a < 999'500.0) return sign + three_significant(a / 1e3) + "ms";
    return sign + three_significant(a / 1e6) + "s";
}

std::string format_duration(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
    if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string format_bytes(std::uint64_t bytes) {
    char buf[64];
    if (bytes < 1024) {
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
        return buf;
    }
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t i = 0;
    // Move up while "%.1f" would print 1024.0 or more: "1.0 MiB", never "1024.0 KiB".
    while (v >= 1023.95 && i + 1 < std::size(units)) {
        v /= 1024.0;
        ++i;
    }
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[i]);
    return buf;
}

}  // namespace rt::proto
