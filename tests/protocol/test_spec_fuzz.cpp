// parse_spec on hostile input: truncated prefixes of the kanban spec, mutated copies, token
// soup and random bytes. It must never crash, and every failure must carry errors whose
// positions lie inside the text (or one past its end).
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/spec.hpp"

using namespace rt::spec;

namespace {

std::string read_kanban() {
    std::ifstream in(std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Lengths of the text's lines, split at '\n' (a trailing '\n' opens an empty last line).
std::vector<std::size_t> line_lengths(const std::string& text) {
    std::vector<std::size_t> lengths{0};
    for (char c : text) {
        if (c == '\n') lengths.push_back(0);
        else ++lengths.back();
    }
    return lengths;
}

// Parses `text`; when it fails, checks that there are errors and each one points inside it.
// Returns whether it parsed.
bool parses_with_sane_errors(const std::string& text) {
    auto r = parse_spec(text, "fuzz.spec");
    if (r.ok()) return true;
    const std::vector<spec_error>& errors = r.error();
    REQUIRE_FALSE(errors.empty());
    const std::vector<std::size_t> lines = line_lengths(text);
    for (const spec_error& e : errors) {
        INFO(e.to_string());
        REQUIRE(e.pos.line >= 1);
        REQUIRE(static_cast<std::size_t>(e.pos.line) <= lines.size());
        REQUIRE(e.pos.col >= 1);
        REQUIRE(static_cast<std::size_t>(e.pos.col) <= lines[e.pos.line - 1] + 1);
        REQUIRE_FALSE(e.message.empty());
        REQUIRE(e.file == "fuzz.spec");
        (void)e.to_string();
    }
    for (std::size_t i = 1; i < errors.size(); ++i) {  // source order
        const source_pos& a = errors[i - 1].pos;
        const source_pos& b = errors[i].pos;
        REQUIRE((a.line < b.line || (a.line == b.line && a.col <= b.col)));
    }
    return false;
}

}  // namespace

TEST_CASE("spec fuzz: every truncated prefix of the kanban spec fails with positioned errors", "[spec][fuzz]") {
    const std::string text = read_kanban();
    REQUIRE(text.size() > 100);
    REQUIRE(parses_with_sane_errors(text));
    const std::size_t last_brace = text.rfind('}');
    for (std::size_t n = 0; n < text.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        bool ok = parses_with_sane_errors(text.substr(0, n));
        CHECK(ok == (n > last_brace));  // only the closing '}' completes the app
    }
}

TEST_CASE("spec fuzz: mutated copies of the kanban spec never crash", "[spec][fuzz]") {
    const std::string text = read_kanban();
    std::mt19937 rng(12345);
    for (int round = 0; round < 3000; ++round) {
        std::string t = text;
        int edits = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < edits && !t.empty(); ++k) {
            std::size_t at = rng() % t.size();
            switch (rng() % 4) {
            case 0: t[at] = static_cast<char>(rng() % 256); break;                 // flip a byte
            case 1: t.erase(at, 1 + rng() % 8); break;                             // delete a run
            case 2: t.insert(at, t.substr(rng() % t.size(), 1 + rng() % 12)); break;  // duplicate a run
            case 3: t.insert(at, 1, "{}()\"|:=!<>/\\\n"[rng() % 14]); break;     // insert punctuation
            }
        }
        INFO("round " << round << "\n" << t);
        parses_with_sane_errors(t);
    }
}

TEST_CASE("spec fuzz: token soup and random bytes never crash", "[spec][fuzz]") {
    const std::vector<std::string> vocabulary = {
        "app", "entity", "attr", "view", "subscription", "where", "by", "id", "ref", "and", "or", "not",
        "string", "int", "float", "bool", "true", "false", "null", "T", "U", "x", "{", "}", "(", ")",
        ":", "|", "==", "!=", "<", "<=", ">", ">=", "\"a\"", "\"b", "\"\\u12\"", "1", "-2.5", "1e400",
        "//c\n", "\n", "@", "=", "!", "\xc3\xa9", "\xff",
    };
    std::mt19937 rng(777);
    for (int round = 0; round < 3000; ++round) {
        std::string t;
        if (round % 3 == 0) {
            std::size_t n = rng() % 200;
            for (std::size_t i = 0; i < n; ++i) t += static_cast<char>(rng() % 256);
        } else {
            if (round % 3 == 1) t = "app A { ";
            std::size_t n = rng() % 60;
            for (std::size_t i = 0; i < n; ++i) {
                t += vocabulary[rng() % vocabulary.size()];
                t += ' ';
            }
        }
        INFO("round " << round);
        parses_with_sane_errors(t);
    }
}

TEST_CASE("spec fuzz: hostile nesting and huge error counts stay bounded", "[spec][fuzz]") {
    std::string deep = "app A { entity T { attr a: int } view V: T where " + std::string(100000, '(') + " }";
    CHECK_FALSE(parses_with_sane_errors(deep));
    std::string nots = "app A { entity T { attr a: int } view V: T where ";
    for (int i = 0; i < 100000; ++i) nots += "not ";
    nots += "a == 1 }";
    CHECK_FALSE(parses_with_sane_errors(nots));

    std::string junk = "app A { " + std::string(10000, '@') + " }";
    auto r = parse_spec(junk, "junk.spec");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().size() <= 101);
    CHECK(r.error().back().message == "too many errors; stopping");
}
