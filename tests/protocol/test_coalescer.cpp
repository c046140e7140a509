// Throttled delivery's coalescing (protocol/coalescer.hpp): the truth table of insert/update/delete
// sequences within one window and across windows.
#include <catch2/catch.hpp>

#include "protocol/coalescer.hpp"

using rt::proto::coalescer;
using rt::proto::operation;

namespace {

operation op_of(char c) {
    return c == 'i' ? operation::insert : c == 'u' ? operation::update : operation::remove;
}

// Feeds the changes of row "r" ('i', 'u', 'd'; data "v1", "v2", ... seq 1, 2, ...) and flushes:
// "" when nothing is sent, else the op letter and the data sent ("i:v2").
std::string window_of(const std::string& ops) {
    coalescer c;
    for (std::size_t k = 0; k < ops.size(); ++k)
        c.feed("r", op_of(ops[k]), "v" + std::to_string(k + 1), k + 1, 100 + static_cast<std::int64_t>(k));
    auto out = c.flush();
    if (out.empty()) return "";
    REQUIRE(out.size() == 1);
    CHECK(out[0].last_seq == ops.size());
    const char* letter = out[0].op == operation::insert ? "i" : out[0].op == operation::update ? "u" : "d";
    return std::string(letter) + ":" + out[0].data_json;
}

}  // namespace

TEST_CASE("coalescing truth table within one window", "[coalescer]") {
    struct row {
        const char* ops;
        const char* sent;
    } table[] = {
        {"i", "i:v1"},     {"u", "u:v1"},       {"d", "d:v1"},
        {"iu", "i:v2"},    {"id", ""},          {"uu", "u:v2"},   {"ud", "d:v2"},  {"di", "u:v2"},
        {"iuu", "i:v3"},   {"iud", ""},         {"idi", "i:v3"},  {"udi", "u:v3"}, {"did", "d:v3"},
        {"uuu", "u:v3"},   {"idiu", "i:v4"},    {"udiu", "u:v4"}, {"iudid", ""},   {"udid", "d:v4"},
    };
    for (const auto& t : table) {
        INFO("changes " << t.ops);
        CHECK(window_of(t.ops) == t.sent);
    }
}

TEST_CASE("coalescing keeps rows apart, in order of first touch, and windows apart", "[coalescer]") {
    coalescer c;
    c.feed("a", operation::update, "a1", 1, 10);
    c.feed("b", operation::insert, "b1", 2, 11);
    c.feed("a", operation::update, "a2", 3, 12);
    c.feed("c", operation::insert, "c1", 4, 13);
    c.feed("c", operation::remove, "c1", 5, 14);  // cancels out
    CHECK(c.pending() == 2);
    auto w1 = c.flush();
    REQUIRE(w1.size() == 2);
    CHECK(w1[0].id == "a");
    CHECK(w1[0].data_json == "a2");
    CHECK(w1[0].last_seq == 3);
    CHECK(w1[0].ts_ms == 12);
    CHECK(w1[1].id == "b");
    CHECK(w1[1].op == operation::insert);
    CHECK(c.empty());
    CHECK(c.flush().empty());
    // Across windows nothing is folded: an insert sent in one window and a delete in the next are both sent.
    c.feed("b", operation::remove, "b1", 6, 15);
    auto w2 = c.flush();
    REQUIRE(w2.size() == 1);
    CHECK(w2[0].op == operation::remove);
    // A row cancelled and inserted again goes where it was inserted again.
    c.feed("x", operation::insert, "x1", 7, 16);
    c.feed("y", operation::update, "y1", 8, 17);
    c.feed("x", operation::remove, "x1", 9, 18);
    c.feed("x", operation::insert, "x2", 10, 19);
    auto w3 = c.flush();
    REQUIRE(w3.size() == 2);
    CHECK(w3[0].id == "y");
    CHECK(w3[1].id == "x");
    CHECK(w3[1].op == operation::insert);
    CHECK(w3[1].data_json == "x2");
}
