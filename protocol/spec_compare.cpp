#include "protocol/spec_compare.hpp"

#include <cstdint>

namespace rt::spec {
namespace {

template <class T>
int three_way(T a, T b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Both are numbers. Integers compare exactly (also signed against unsigned); a float on either
// side makes it a double comparison. NaN cannot come from JSON text; it orders as nothing.
std::optional<int> compare_numbers(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number_float() || b.is_number_float()) {
        double x = a.get<double>(), y = b.get<double>();
        if (x != x || y != y) return std::nullopt;
        return three_way(x, y);
    }
    bool ua = a.is_number_unsigned(), ub = b.is_number_unsigned();
    if (ua && ub) return three_way(a.get<std::uint64_t>(), b.get<std::uint64_t>());
    if (!ua && !ub) return three_way(a.get<std::int64_t>(), b.get<std::int64_t>());
    if (ua) {  // a unsigned, b signed
        std::int64_t y = b.get<std::int64_t>();
        return y < 0 ? 1 : three_way(a.get<std::uint64_t>(), static_cast<std::uint64_t>(y));
    }
    std::int64_t x = a.get<std::int64_t>();
    return x < 0 ? -1 : three_way(static_cast<std::uint64_t>(x), b.get<std::uint64_t>());
}

}  // namespace

bool values_equal(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number() && b.is_number()) {
        auto c = compare_numbers(a, b);
        return c && *c == 0;
    }
    if (a.type() != b.type()) return false;
    return a == b;
}

std::optional<int> values_order(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number() && b.is_number()) return compare_numbers(a, b);
    if (a.is_string() && b.is_string()) {
        int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return std::nullopt;
}

}  // namespace rt::spec
