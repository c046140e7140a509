// `where` evaluation: a table of expression x row -> bool.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "protocol/spec.hpp"

using namespace rt::spec;

namespace {

// Parses `where_text` as the where of a view over an entity with one attribute of each type.
expr_ptr parse_where(const std::string& where_text) {
    std::string text =
        "app A { entity T { attr s: string attr i: int attr f: float attr b: bool "
        "attr e: \"x\" | \"y\" attr r: ref T }\n view V: T where " + where_text + " }";
    auto r = parse_spec(text, "where.spec");
    if (!r) {
        std::string s;
        for (const spec_error& e : r.error()) s += e.to_string() + "\n";
        FAIL(s);
    }
    return r->views.at(0).where;
}

}  // namespace

TEST_CASE("spec: where evaluation table", "[spec][where]") {
    struct row {
        const char* where;
        const char* data;
        bool expected;
    };
    const std::vector<row> rows = {
        // equality, numbers compare by value
        {"i == 3", R"({"i":3})", true},
        {"i == 3", R"({"i":3.0})", true},
        {"i == 3", R"({"i":-3})", false},
        {"i == 3", R"({"i":4})", false},
        {"i == 3", R"({"i":"3"})", false},
        {"i == 3", R"({})", false},
        {"i == 3", R"({"i":null})", false},
        {"f == 2.5", R"({"f":2.5})", true},
        {"f == 2", R"({"f":2.0})", true},
        {"i > -1", R"({"i":18446744073709551615})", true},
        {"i < -2", R"({"i":-5})", true},
        {"i < -2", R"({"i":-2})", false},
        {"i <= -2", R"({"i":-2})", true},
        // != is the negation of ==, also for missing attributes and mixed types
        {"i != 3", R"({"i":3})", false},
        {"i != 3", R"({"i":4})", true},
        {"i != 3", R"({})", true},
        {"i != 3", R"({"i":"3"})", true},
        // ordering
        {"i < 3.5", R"({"i":3})", true},
        {"f >= 2", R"({"f":2.0})", true},
        {"f > 2", R"({"f":2.0})", false},
        {"s < \"b\"", R"({"s":"a"})", true},
        {"s < \"b\"", R"({"s":"b"})", false},
        {"s <= \"b\"", R"({"s":"b"})", true},
        {"s > \"b\"", R"({"s":"ba"})", true},
        {"s < \"b\"", R"({})", false},        // null orders as nothing
        {"s >= \"b\"", R"({"s":null})", false},
        {"i < 3", R"({"i":"1"})", false},      // mixed types order as nothing
        {"i > 3", R"({"i":true})", false},
        {"id < \"t5\"", R"({"id":"t1"})", true},
        // null tests
        {"s == null", R"({})", true},
        {"s == null", R"({"s":null})", true},
        {"s == null", R"({"s":""})", false},
        {"s != null", R"({})", false},
        {"s != null", R"({"s":"x"})", true},
        // bools, enums, refs, ids
        {"b == true", R"({"b":true})", true},
        {"b == true", R"({"b":1})", false},
        {"b != false", R"({})", true},
        {"e == \"x\"", R"({"e":"x"})", true},
        {"e != \"x\"", R"({"e":"y"})", true},
        {"r == \"t2\"", R"({"r":"t2"})", true},
        {"id == \"t1\"", R"({"id":"t1"})", true},
        {"id == \"t1\"", R"({"id":"t2"})", false},
        // and / or / not / parentheses
        {"i > 1 and i < 5", R"({"i":3})", true},
        {"i > 1 and i < 5", R"({"i":6})", false},
        {"i == 1 or i == 2", R"({"i":2})", true},
        {"i == 1 or i == 2", R"({"i":3})", false},
        {"not i == 1", R"({"i":1})", false},
        {"not i == 1", R"({})", true},
        {"not (i == 1 or s == \"a\")", R"({"s":"a"})", false},
        {"not (i == 1 or s == \"a\")", R"({"s":"b"})", true},
        {"i == 1 or i == 2 and s == \"z\"", R"({"i":1})", true},   // and binds tighter
        {"(i == 1 or i == 2) and s == \"z\"", R"({"i":1})", false},
        {"not not b == true", R"({"b":true})", true},
        // a row that is not an object has only null attributes
        {"s == null", R"([1,2])", true},
        {"i == 3", R"(3)", false},
    };
    for (const row& r : rows) {
        INFO("where " << r.where << " on " << r.data);
        expr_ptr e = parse_where(r.where);
        REQUIRE(e);
        json data = json::parse(r.data, nullptr, false);
        REQUIRE_FALSE(data.is_discarded());
        CHECK(eval_where(*e, data) == r.expected);
    }
}

TEST_CASE("spec: where comparisons the checker rejects still evaluate safely", "[spec][where]") {
    // Built by hand: a spec would refuse these, but eval_where must still follow its rules.
    auto cmp = [](const char* attr, cmp_op op, json value) {
        auto e = std::make_shared<expr>();
        e->k = expr::kind::compare;
        e->attr = attr;
        e->op = op;
        e->value = std::move(value);
        return e;
    };
    CHECK_FALSE(eval_where(*cmp("i", cmp_op::lt, "a"), json{{"i", 1}}));
    CHECK_FALSE(eval_where(*cmp("i", cmp_op::ge, nullptr), json{{"i", 1}}));
    CHECK_FALSE(eval_where(*cmp("i", cmp_op::le, nullptr), json::object()));
    CHECK_FALSE(eval_where(*cmp("b", cmp_op::lt, true), json{{"b", false}}));
    CHECK(eval_where(*cmp("o", cmp_op::eq, json::array({1})), json{{"o", json::array({1})}}));
    CHECK_FALSE(eval_where(*cmp("o", cmp_op::lt, json::array({2})), json{{"o", json::array({1})}}));
}
