#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "protocol/result.hpp"

using rt::make_unexpected;
using rt::result;

namespace {

struct result_test_error {
    int code = 0;
    std::string text;
    result_test_error(std::string t) : text(std::move(t)) {}  // NOLINT: converts from a text on purpose
    result_test_error(int c, std::string t) : code(c), text(std::move(t)) {}
};

result<void, std::string> result_test_check(int n) {
    if (n < 0) return make_unexpected("negative: " + std::to_string(n));
    return {};
}

}  // namespace

TEST_CASE("result<void> default-constructed is ok", "[result]") {
    result<void, std::string> r;
    CHECK(r.ok());
    CHECK(static_cast<bool>(r));
    result<void, std::string> braces{};
    CHECK(braces.ok());
}

TEST_CASE("result<void> from unexpected carries the error", "[result]") {
    auto r = result_test_check(-3);
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.error() == "negative: -3");
    r.error() += " (edited)";
    CHECK(r.error() == "negative: -3 (edited)");
    CHECK(result_test_check(4).ok());
}

TEST_CASE("result<void> converts an unexpected of another type to its error type", "[result]") {
    result<void, result_test_error> from_text = make_unexpected(std::string("bad row"));
    REQUIRE_FALSE(from_text);
    CHECK(from_text.error().text == "bad row");
    CHECK(from_text.error().code == 0);
    result<void, result_test_error> typed = make_unexpected(result_test_error{7, "seven"});
    REQUIRE_FALSE(typed);
    CHECK(typed.error().code == 7);
}

TEST_CASE("result<void> holds move-only errors", "[result]") {
    result<void, std::unique_ptr<int>> r = make_unexpected(std::make_unique<int>(5));
    REQUIRE_FALSE(r.ok());
    CHECK(*r.error() == 5);
    result<void, std::unique_ptr<int>> moved = std::move(r);
    REQUIRE_FALSE(moved.ok());
    CHECK(*moved.error() == 5);
}

TEST_CASE("result<T> holds a value or an error", "[result]") {
    result<int, std::string> good = 42;
    REQUIRE(good.ok());
    CHECK(*good == 42);
    CHECK(good.value() == 42);
    result<int, std::string> bad = make_unexpected("no number");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "no number");
    result<std::string, result_test_error> conv = make_unexpected(std::string("x"));
    REQUIRE_FALSE(conv);
    CHECK(conv.error().text == "x");
}
