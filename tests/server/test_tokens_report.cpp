// parse_tokens()'s report on hostile or careless files (issue 12, fuzz findings
// tokens-duplicate-table, tokens-newline-in-error and tokens-newline-in-user, now seeds in
// tests/fuzz/corpus/tokens/): one error per line, each starting with the file name; no token in
// any error, toml++'s own syntax errors included; user names without control characters.
#include <catch2/catch.hpp>

#include "server/tokens.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::server;

namespace {

// The error report of a file that must be refused.
std::string tokrep_errors(const std::string& toml) {
    auto r = parse_tokens(toml, "t.toml", rt::test::helpdesk_app());
    REQUIRE_FALSE(r.ok());
    return r.error();
}

std::vector<std::string> tokrep_lines(const std::string& report) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at <= report.size();) {
        auto nl = report.find('\n', at);
        out.push_back(report.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
        if (nl == std::string::npos) break;
        at = nl + 1;
    }
    return out;
}

// Every line of the report names the file and a position: nothing quoted from the file breaks a line.
void tokrep_check_one_error_per_line(const std::string& report, std::size_t errors) {
    INFO(report);
    auto lines = tokrep_lines(report);
    CHECK(lines.size() == errors);
    for (const auto& l : lines) CHECK(l.rfind("t.toml:", 0) == 0);
    CHECK(report.find('\x1b') == std::string::npos);
}

}  // namespace

TEST_CASE("fuzz finding tokens-duplicate-table: a TOML syntax error quoting a key path does not show the token", "[tokens]") {
    SECTION("a [tokens.<TOKEN>] table written twice (the old report quoted it)") {
        auto e = tokrep_errors("[tokens.s3cret-dup-123456]\nuser = \"a\"\n[tokens.s3cret-dup-123456]\nuser = \"b\"\n");
        CHECK(e == "t.toml:3:1: error: Error while parsing table header: cannot redefine existing table "
                   "'tokens.<token at line 3>'");
    }
    SECTION("a table header into a token's inline table keeps the segments after the token") {
        auto e = tokrep_errors("[tokens.s3cret-inline-1]\nuser = \"a\"\nfilters = { Ticket = { team = [\"x\"] } }\n"
                               "[tokens.s3cret-inline-1.filters.Agent]\nname = [\"y\"]\n");
        INFO(e);
        CHECK(e.find("s3cret-inline-1") == std::string::npos);
        CHECK_THAT(e, Catch::StartsWith("t.toml:5:") && Catch::Contains("'tokens.<token at line 5>.filters.Agent'"));
    }
    SECTION("a token's dotted key under [tokens] written twice: the whole path is hidden") {
        auto e = tokrep_errors("[tokens]\ns3cret-dotted-2.user = \"a\"\ns3cret-dotted-2.user = \"b\"\n");
        INFO(e);
        CHECK(e.find("s3cret-dotted-2") == std::string::npos);
        CHECK_THAT(e, Catch::StartsWith("t.toml:3:") && Catch::Contains("<the key at line 3>"));
    }
    SECTION("a quoted token key written twice") {
        auto e = tokrep_errors("[tokens.\"s3cret quoted 3\"]\nuser = \"a\"\n[tokens.\"s3cret quoted 3\"]\nuser = \"b\"\n");
        INFO(e);
        CHECK(e.find("s3cret quoted 3") == std::string::npos);
        CHECK_THAT(e, Catch::Contains("<the key at line 3>"));
    }
}

TEST_CASE("fuzz finding tokens-newline-in-error: a TOML syntax error quoting a newline stays on one line", "[tokens]") {
    // toml++ quotes the text it saw raw: here the newline after "tr" (the old report had two lines).
    auto e = tokrep_errors("[tokens.s3cret-carol-11111]\nuser = \"carol\"\npresence = [tr\nnop [\"x\"]\n");
    tokrep_check_one_error_per_line(e, 1);
    CHECK_THAT(e, Catch::StartsWith("t.toml:3:") && Catch::Contains("saw 'tr\\x0a'"));
}

TEST_CASE("fuzz finding tokens-newline-in-user: a user name with a control character is refused on one line", "[tokens]") {
    const std::string head = "[tokens.s3cret-nl-user-1]\nuser = ";
    SECTION("a newline (the old parser accepted it, and quoted it raw in later errors)") {
        auto e = tokrep_errors(head + "\"fr\\nk\"\nsubscribe = [\"Nope\"]\n");
        tokrep_check_one_error_per_line(e, 2);
        CHECK_THAT(e, Catch::Contains("t.toml:2:8: error: token at line 1: 'user' must not contain control characters"));
        CHECK_THAT(e, Catch::Contains("\"fr\\nk\""));
        CHECK_THAT(e, Catch::Contains("t.toml:3:14: error: token at line 1: subscribe: no subscription named 'Nope'"));
    }
    SECTION("a name forging an error line and a terminal escape, in an otherwise valid file") {
        auto e = tokrep_errors(head + "\"mallory\\nt.toml:1:1: error: forged\\u001b[31m\"\n");
        tokrep_check_one_error_per_line(e, 1);
        CHECK_THAT(e, Catch::Contains("'user' must not contain control characters"));
    }
    SECTION("every C0 and C1 control character and DEL, written as TOML escapes") {
        for (const char* name : {"tab\\there", "del\\u007f", "nel\\u0085", "nul\\u0000", "cr\\r"}) {
            INFO(name);
            auto e = tokrep_errors(head + "\"" + name + "\"\n");
            tokrep_check_one_error_per_line(e, 1);
            CHECK_THAT(e, Catch::Contains("'user' must not contain control characters"));
        }
    }
    SECTION("other UTF-8 text is still a name") {
        auto r = parse_tokens(head + "\"Zo\xc3\xab van Dijk \xe2\x80\x94 \xe6\x94\xaf\xe6\x8f\xb4\"\n", "t.toml", rt::test::helpdesk_app());
        REQUIRE(r.ok());
        CHECK(r->at("s3cret-nl-user-1").user == "Zo\xc3\xab van Dijk \xe2\x80\x94 \xe6\x94\xaf\xe6\x8f\xb4");
    }
}

TEST_CASE("tokens report: file text quoted in an error (a key, a subscription name) has its control characters escaped", "[tokens]") {
    auto e = tokrep_errors("[tokens.s3cret-keys-4]\nuser = \"u\"\n\"sub\\nscribe\" = []\nsubscribe = [\"Tea\\u001bmOpen\"]\n");
    tokrep_check_one_error_per_line(e, 2);
    CHECK_THAT(e, Catch::Contains("unknown key 'sub\\x0ascribe'"));
    CHECK_THAT(e, Catch::Contains("no subscription named 'Tea\\x1bmOpen'"));
}
