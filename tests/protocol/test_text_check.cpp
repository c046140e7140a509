// Client text checked at the edge: UTF-8 well-formedness, the handshake key, and what the
// message codec refuses (invalid UTF-8, lone surrogates, timestamps outside int64).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/text_check.hpp"

using namespace rt::proto;
using json = nlohmann::json;

namespace {

struct text_check_case {
    std::string input;
    bool valid;
    const char* what;
};

}  // namespace

TEST_CASE("valid_utf8: a table of well-formed and ill-formed sequences", "[text_check]") {
    const std::vector<text_check_case> cases = {
        {"", true, "empty"},
        {"alice", true, "ASCII"},
        {std::string("nul\0x", 5), true, "U+0000 is valid UTF-8"},
        {"\xc3\xa9", true, "U+00E9 (2 bytes)"},
        {"\xe2\x82\xac", true, "U+20AC (3 bytes)"},
        {"\xf0\x9f\x98\x80", true, "U+1F600 (4 bytes)"},
        {"\xef\xbf\xbf", true, "U+FFFF"},
        {"\xf4\x8f\xbf\xbf", true, "U+10FFFF, the last code point"},
        {"\xed\x9f\xbf", true, "U+D7FF, just below the surrogates"},
        {"\xee\x80\x80", true, "U+E000, just above the surrogates"},
        {"\xff", false, "0xFF never appears"},
        {"\xfe", false, "0xFE never appears"},
        {"\x80", false, "a stray continuation byte"},
        {"a\xbf" "b", false, "a continuation byte between ASCII"},
        {"\xc3", false, "a 2-byte sequence cut short"},
        {"\xe2\x82", false, "a 3-byte sequence cut short"},
        {"\xf0\x9f\x98", false, "a 4-byte sequence cut short"},
        {"\xc3" "a", false, "a lead byte followed by ASCII"},
        {"\xc0\xaf", false, "overlong '/' (2 bytes)"},
        {"\xc1\xbf", false, "overlong (C1 lead)"},
        {"\xe0\x80\xaf", false, "overlong '/' (3 bytes)"},
        {"\xe0\x9f\xbf", false, "overlong U+07FF (3 bytes)"},
        {"\xf0\x80\x80\xaf", false, "overlong '/' (4 bytes)"},
        {"\xf0\x8f\xbf\xbf", false, "overlong U+FFFF (4 bytes)"},
        {"\xed\xa0\x80", false, "U+D800, a high surrogate"},
        {"\xed\xbf\xbf", false, "U+DFFF, a low surrogate"},
        {"\xed\xa0\xbd\xed\xb8\x80", false, "a surrogate pair encoded as two 3-byte sequences (CESU-8)"},
        {"\xf4\x90\x80\x80", false, "U+110000, above the last code point"},
        {"\xf5\x80\x80\x80", false, "F5 lead"},
        {"\xe2\x28\xa1", false, "a bad second byte"},
        {"\xe2\x82\x28", false, "a bad third byte"},
        {"ok\xe2\x82\xac" "ok\xff", false, "valid text then one bad byte at the end"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        CHECK(valid_utf8(c.input) == c.valid);
    }
}

TEST_CASE("valid_utf8 agrees with the JSON encoder on every 1- and 2-byte string", "[text_check]") {
    // The encoder throws on exactly what valid_utf8 refuses: the edge check is what keeps it from throwing.
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; b += (a < 0x80 ? 255 : 1)) {
            std::string s{static_cast<char>(a), static_cast<char>(b)};
            bool encodes = true;
            try {
                (void)json(s).dump();
            } catch (const json::type_error&) {
                encodes = false;
            }
            INFO("bytes " << a << " " << b);
            CHECK(valid_utf8(s) == encodes);
        }
    }
}

TEST_CASE("valid_websocket_key: base64 of exactly 16 bytes", "[text_check]") {
    const std::vector<text_check_case> cases = {
        {"dGhlIHNhbXBsZSBub25jZQ==", true, "the RFC 6455 example"},
        {"AAAAAAAAAAAAAAAAAAAAAA==", true, "16 zero bytes"},
        {"/////////////////////w==", true, "16 0xFF bytes"},
        {" dGhlIHNhbXBsZSBub25jZQ== ", true, "optional whitespace around"},
        {"", false, "empty"},
        {"not-base64-at-all", false, "not base64"},
        {"dGhlIHNhbXBsZSBub25jZQ", false, "no padding"},
        {"dGhlIHNhbXBsZSBub25jZQ=", false, "one '=' only"},
        {"dGhlIHNhbXBsZSBub25jZQ===", false, "too long"},
        {"dGhlIHNhbXBsZSBub25j", false, "15 bytes"},
        {"dGhlIHNhbXBsZSBub25jZQ!=", false, "a '!' in place of padding"},
        {"dGhl*HNhbXBsZSBub25jZQ==", false, "a character outside the alphabet"},
        {"dGhlIHNhbXBsZSBub25jZR==", false, "non-zero padding bits"},
        {"dGhlIHNhbXBsZSBub25jZQ==dGhl", false, "trailing characters"},
    };
    for (const auto& c : cases) {
        INFO(c.what << ": '" << c.input << "'");
        CHECK(valid_websocket_key(c.input) == c.valid);
    }
}

TEST_CASE("the codec refuses invalid UTF-8, lone surrogates and timestamps outside int64", "[text_check][messages]") {
    struct codec_case {
        std::string input;
        const char* message_part;
    };
    const std::vector<codec_case> cases = {
        {"{\"type\":\"presence\",\"action\":\"join\",\"resource\":\"board:\xff\"}", "not valid JSON"},
        {"{\"type\":\"subscribe\",\"subscription\":\"S\",\"filter\":{\"board\":\"\xc3\"}}", "not valid JSON"},
        {R"({"type":"presence","action":"join","resource":"\ud800"})", "not valid JSON"},
        {R"({"type":"publish","entity":"Task","operation":"insert","data":{"id":"\udc00x"}})", "not valid JSON"},
        {R"({"type":"ping","timestamp":18446744073709551615})", "field 'timestamp' must be a signed 64-bit integer"},
        {R"({"type":"ping","timestamp":9223372036854775808})", "field 'timestamp' must be a signed 64-bit integer"},
        {R"({"type":"ping","timestamp":1e30})", "field 'timestamp' must be an integer"},
    };
    for (const auto& c : cases) {
        INFO("input: " << c.input);
        auto r = decode_client(c.input);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().error.code == error_code::bad_request);
        CHECK_THAT(r.error().error.message, Catch::Contains(c.message_part));
    }
    SECTION("the int64 extremes are carried exactly") {
        for (const char* ts : {"9223372036854775807", "-9223372036854775808", "0"}) {
            auto r = decode_client(std::string(R"({"type":"ping","timestamp":)") + ts + "}");
            REQUIRE(r.ok());
            auto pong = json::parse(encode_pong(nullptr, std::get<ping_msg>(r->body).timestamp));
            CHECK(pong["timestamp"].dump() == ts);
        }
    }
    SECTION("a surrogate pair (valid UTF-16 escape) is accepted") {
        auto r = decode_client(R"({"type":"presence","action":"join","resource":"\ud83d\ude00"})");
        REQUIRE(r.ok());
        CHECK(valid_utf8(std::get<presence_msg>(r->body).resource));
    }
}
