// The fast event scanner (protocol/event_scan.*) against the general codec (decode_server) on the
// same inputs: whenever the scanner answers, its answer is the decoder's; where it is unsure it
// says so; and on the frames rt serve writes it does answer.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "protocol/event_scan.hpp"
#include "protocol/messages.hpp"

namespace {

using rt::proto::decode_server;
using rt::proto::event_msg;
using rt::proto::scan_event;
using rt::proto::scan_string_member;
using scan_json = nlohmann::json;

// Checks that a scan (if it answered) agrees with the decoder; returns whether it answered.
bool scan_agrees_with_decoder(const std::string& frame) {
    INFO(frame);
    auto scanned = scan_event(frame);
    if (!scanned) return false;
    auto decoded = decode_server(frame);
    REQUIRE(decoded.ok());
    const auto* ev = std::get_if<event_msg>(&decoded->body);
    REQUIRE(ev);
    CHECK(scanned->seq == ev->position.seq);
    CHECK(scanned->epoch == ev->position.epoch);
    scan_json data = scan_json::parse(scanned->data_json, nullptr, false);
    REQUIRE_FALSE(data.is_discarded());
    CHECK(data == ev->data);
    if (auto title = scan_string_member(scanned->data_json, "title")) {
        REQUIRE(ev->data.is_object());
        REQUIRE(ev->data.contains("title"));
        CHECK(ev->data["title"] == std::string(*title));
    }
    return true;
}

std::string scan_frame(const scan_json& row, std::uint64_t seq, std::string_view sid = {}) {
    return rt::proto::encode_event("TaskUpdates", rt::proto::operation::update, row.dump(), {"9f2c", seq},
                                   1732230000123, sid);
}

// Rows with what a scanner gets wrong first: escapes, non-ASCII text, nested data holding keys
// named like the event's fields, numbers of every form.
std::vector<scan_json> scan_rows() {
    return {
        {{"id", "t1"}, {"title", "t=100;a=150;xxxx"}, {"board", "b7"}, {"priority", 2}},
        {{"id", "t\"2\""}, {"title", "quote \" back\\slash \n newline \t tab \u0001 ctl"}},
        {{"id", "t3"}, {"title", "caf\u00e9 \u65e5\u672c \U0001F600"}, {"seq", 999}, {"type", "subscribed"}},
        {{"id", "t4"}, {"meta", {{"seq", 1}, {"epoch", "x"}, {"title", "inner"}, {"list", {1, -2.5, 3e10, nullptr, true}}}},
         {"title", "outer"}},
        {{"id", 5}, {"title", nullptr}},
        {{"id", "t6"}},
        scan_json::array({1, 2, 3}),
        "a string row",
    };
}

}  // namespace

TEST_CASE("scan_event reads every frame rt serve writes as the decoder does", "[protocol][event_scan]") {
    std::uint64_t seq = 1;
    for (const auto& row : scan_rows()) {
        for (std::string_view sid : {std::string_view{}, std::string_view{"pane-1"}}) {
            const std::string frame = scan_frame(row, seq++, sid);
            CHECK(scan_agrees_with_decoder(frame));
        }
    }
    const std::string big = scan_frame({{"id", "t"}}, 18446744073709551615ull);
    REQUIRE(scan_agrees_with_decoder(big));
    CHECK(scan_event(big)->seq == 18446744073709551615ull);
}

TEST_CASE("scan_event reads fields in any order, with whitespace and unknown fields", "[protocol][event_scan]") {
    const char* frames[] = {
        R"({"seq":7,"epoch":"e1","data":{"title":"t=1;a=2;"},"operation":"insert","subscription":"S","type":"event"})",
        R"( { "type" : "event" , "id" : null , "subscription" : "S" , "operation" : "delete" , "data" : { "title" : "t=1;a=2;" } , "epoch" : "e1" , "seq" : 7 , "ts" : -1.5e3 , "later" : [ {} , [] ] } )",
        R"({"data":{"title":"t=1;a=2;","more":{"seq":1}},"type":"event","seq":7,"subscription":"S\u00e9","operation":"update","epoch":"e1","sid":"x"})",
    };
    for (const char* f : frames) {
        INFO(f);
        REQUIRE(scan_agrees_with_decoder(f));
        CHECK(scan_event(f)->seq == 7);
        CHECK(scan_string_member(scan_event(f)->data_json, "title") == std::string_view("t=1;a=2;"));
    }
}

TEST_CASE("scan_event is unsure where the decoder must decide", "[protocol][event_scan]") {
    // Valid events the scanner leaves to decode_server: each decodes, none scans.
    std::string deep = "0";
    for (int i = 0; i < 40; ++i) deep = "[" + deep + "]";
    const std::string unsure[] = {
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":1,"seq":2})",  // given twice
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","se\u0071":2})",     // escaped key
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e\u0031","seq":2})",    // escaped epoch
        R"({"type":"event","subscription":"S","operation":"update","data":)" + deep + R"(,"epoch":"e","seq":2})",
    };
    for (const auto& f : unsure) {
        INFO(f);
        CHECK(decode_server(f).ok());
        CHECK_FALSE(scan_event(f));
    }
}

TEST_CASE("scan_event refuses what the decoder refuses", "[protocol][event_scan]") {
    const char* invalid[] = {
        "",
        "{}",
        "[]",
        R"({"type":"subscribed","subscription":"x","epoch":"e","seq":3})",
        R"({"type":"event","subscription":"x","data":{"title":"hello"},"seq":3})",  // no epoch, no operation
        R"({"type":"event","subscription":"S","operation":"upsert","data":{},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":-4})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":4.0})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":1e2})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":18446744073709551616})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":01})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":7,"seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":1} x)",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":tru},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":1e400},"epoch":"e","seq":1})",  // not a double
        R"({"type":"event","subscription":"S","operation":"update","data":{},"epoch":"e","seq":1,"ts":-2e308})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":"\x"},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":"\ud800"},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":"\udc00\ud800"},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":[1,]},"epoch":"e","seq":1})",
        R"({"type":"event","subscription":"S","operation":"update","data":{"a":1,},"epoch":"e","seq":1})",
        "{\"type\":\"event\",\"subscription\":\"S\xc3\",\"operation\":\"update\",\"data\":{},\"epoch\":\"e\",\"seq\":1}",
        "{\"type\":\"event\",\"subscription\":\"S\xed\xa0\x80\",\"operation\":\"update\",\"data\":{},\"epoch\":\"e\",\"seq\":1}",
        "{\"type\":\"event\",\"subscription\":\"S\xc0\xaf\",\"operation\":\"update\",\"data\":{},\"epoch\":\"e\",\"seq\":1}",
        "{\"type\":\"event\",\"subscription\":\"S\x01\",\"operation\":\"update\",\"data\":{},\"epoch\":\"e\",\"seq\":1}",
    };
    for (const char* f : invalid) {
        INFO(f);
        CHECK_FALSE(scan_event(f));
        // A valid surrogate pair is fine, for both.
    }
    const char* pair = R"({"type":"event","subscription":"S","operation":"update","data":{"a":"\ud83d\ude00"},"epoch":"e","seq":1})";
    CHECK(scan_agrees_with_decoder(pair));
}

TEST_CASE("scan_event never disagrees with the decoder on damaged frames", "[protocol][event_scan]") {
    std::mt19937 rng(1309);
    std::vector<std::string> frames;
    std::uint64_t seq = 40;
    for (const auto& row : scan_rows()) {
        frames.push_back(scan_frame(row, seq, seq % 2 ? "s" : ""));
        ++seq;
    }
    const char bytes[] = {'"', '\\', '{', '}', '[', ']', ':', ',', '0', '9', '-', '.', 'e', ' ', 'u', 'x', '\x01',
                          '\x7f', '\xc3', '\xa9', '\xed', '\xf4', '\xff'};
    std::uniform_int_distribution<std::size_t> pick_byte(0, sizeof bytes - 1);
    std::size_t answered = 0, tried = 0;
    for (const auto& frame : frames) {
        for (std::size_t n = 0; n <= frame.size(); ++n) {  // every truncation
            ++tried;
            if (scan_agrees_with_decoder(frame.substr(0, n))) ++answered;
        }
        for (std::size_t pos = 0; pos < frame.size(); ++pos) {  // a changed, inserted or deleted byte everywhere
            std::string changed = frame, inserted = frame, deleted = frame;
            changed[pos] = bytes[pick_byte(rng)];
            inserted.insert(pos, 1, bytes[pick_byte(rng)]);
            deleted.erase(pos, 1);
            for (const auto* m : {&changed, &inserted, &deleted}) {
                ++tried;
                if (scan_agrees_with_decoder(*m)) ++answered;
            }
        }
    }
    // Most damage breaks the frame; some (a digit for a digit, a letter inside a title) does not,
    // and the scanner must still read those.
    CHECK(answered > frames.size());
    CHECK(answered < tried);
}

TEST_CASE("scan_string_member reads one string member or says it cannot", "[protocol][event_scan]") {
    struct scan_case {
        const char* object;
        const char* key;
        std::optional<std::string_view> want;
    };
    const scan_case cases[] = {
        {R"({"title":"abc","x":1})", "title", std::string_view("abc")},
        {R"({"x":{"title":"inner"},"title":"outer"})", "title", std::string_view("outer")},
        {R"({"x":"\"title\":\"fake\"","title":"real"})", "title", std::string_view("real")},
        {R"({"title":"caf)" "\xc3\xa9" R"("})", "title", std::string_view("caf\xc3\xa9")},
        {R"({"x":1})", "title", std::nullopt},                   // absent
        {R"({"title":7})", "title", std::nullopt},               // not a string
        {R"({"title":"a\nb"})", "title", std::nullopt},          // escaped value
        {R"({"t\u0069tle":"a"})", "title", std::nullopt},        // escaped key: might be it
        {R"({"title":"a","title":"b"})", "title", std::nullopt}, // twice
        {R"({"title":"a")", "title", std::nullopt},              // not one valid object
        {R"(["title","a"])", "title", std::nullopt},
    };
    for (const auto& c : cases) {
        INFO(c.object);
        CHECK(scan_string_member(c.object, c.key) == c.want);
    }
}
