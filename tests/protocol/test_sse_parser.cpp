// The SSE stream parser (protocol/sse_parser.*) on a table of streams, each also written with CRLF
// and lone-CR line ends and fed split at every byte boundary (and byte by byte), which must not
// change what comes out; then the limits; and what rt serve writes (protocol/sse_events.*) read
// back, so the server's writer and the load generator's reader cannot disagree.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "protocol/sse_events.hpp"
#include "protocol/sse_parser.hpp"

namespace {

using rt::proto::sse_item;
using rt::proto::sse_parser;

// One item as a line of text, so that whole runs compare (and print) as strings.
std::string sse_render(const sse_item& it) {
    switch (it.what) {
    case sse_item::kind::event: return "event type=" + it.type + " id=" + it.id + " data=" + it.data;
    case sse_item::kind::comment: return "comment " + it.data;
    case sse_item::kind::retry: return "retry " + std::to_string(it.retry_ms);
    }
    return "?";
}

// Feeds `pieces` in order to a fresh parser; the items rendered, then "last-id=<id>".
std::vector<std::string> sse_run(const std::vector<std::string>& pieces) {
    sse_parser p;
    std::vector<sse_item> items;
    for (const auto& piece : pieces) REQUIRE(p.feed(piece, items));
    std::vector<std::string> out;
    for (const auto& it : items) out.push_back(sse_render(it));
    out.push_back("last-id=" + p.last_event_id());
    return out;
}

std::string sse_with_line_ends(const std::string& lf_text, const std::string& eol) {
    std::string out;
    for (char c : lf_text) {
        if (c == '\n') out += eol;
        else out += c;
    }
    return out;
}

struct sse_case {
    const char* name;
    std::string stream;  // written with '\n'; also tried with "\r\n" and "\r"
    std::vector<std::string> expected;
};

const std::vector<sse_case>& sse_cases() {
    static const std::vector<sse_case> cases = {
        {"one event", "data: hello\n\n", {"event type=message id= data=hello", "last-id="}},
        {"rt's stream start", "retry: 2000\n\nevent: snapshot\nid: 7f3a:42\ndata: {\"type\":\"subscribed\"}\n\n",
         {"retry 2000", "event type=snapshot id=7f3a:42 data={\"type\":\"subscribed\"}", "last-id=7f3a:42"}},
        {"multi-line data joined by LF", "data: a\ndata: b\ndata:\ndata: c\n\n",
         {"event type=message id= data=a\nb\n\nc", "last-id="}},
        {"one space after the colon dropped, no more", "data:  two spaces\ndata:none\n\n",
         {"event type=message id= data= two spaces\nnone", "last-id="}},
        {"comment and heartbeat", ": ping\n:\n: \n",
         {"comment  ping", "comment ", "comment  ", "last-id="}},
        {"comment between fields does not end the event", "data: a\n: ping\ndata: b\n\n",
         {"comment  ping", "event type=message id= data=a\nb", "last-id="}},
        {"id without data sets the last id, dispatches nothing", "id: e:1\n\ndata: x\n\n",
         {"event type=message id=e:1 data=x", "last-id=e:1"}},
        {"the id stays in force for later events", "id: e:5\ndata: a\n\ndata: b\n\n",
         {"event type=message id=e:5 data=a", "event type=message id=e:5 data=b", "last-id=e:5"}},
        {"an empty id clears it", "id: e:5\ndata: a\n\nid\ndata: b\n\n",
         {"event type=message id=e:5 data=a", "event type=message id= data=b", "last-id="}},
        {"an id holding NUL is ignored", std::string("id: e:1\n\nid: e\0:2\ndata: a\n\n", 27),
         {"event type=message id=e:1 data=a", "last-id=e:1"}},
        {"event type without data is dropped and reset", "event: change\n\ndata: a\n\n",
         {"event type=message id= data=a", "last-id="}},
        {"empty event type is message", "event:\ndata: a\n\n", {"event type=message id= data=a", "last-id="}},
        {"data: with nothing is an empty event", "data\n\n", {"event type=message id= data=", "last-id="}},
        {"retry with digits only", "retry: 15000\nretry: 1x\nretry: -1\nretry:\nretry: 7\n",
         {"retry 15000", "retry 7", "last-id="}},
        {"unknown fields and odd names are ignored", "foo: bar\nData: x\ndata : y\n\n", {"last-id="}},
        {"a field without a colon has an empty value", "data\ndata\n\n", {"event type=message id= data=\n", "last-id="}},
        {"an event the stream ends in is not dispatched", "data: a\n\ndata: b\n", {"event type=message id= data=a", "last-id="}},
        {"a leading BOM is dropped", "\xEF\xBB\xBF" "data: a\n\n", {"event type=message id= data=a", "last-id="}},
        {"a BOM later is data", "data: a\n\n\xEF\xBB\xBF" "data: b\n\n",
         {"event type=message id= data=a", "last-id="}},
        {"colons inside the value stay", "data: {\"a\":\"b:c\"}\nid: ep:oc:9\n\n",
         {"event type=message id=ep:oc:9 data={\"a\":\"b:c\"}", "last-id=ep:oc:9"}},
        {"blank lines between events", "\n\n\ndata: a\n\n\n\ndata: b\n\n",
         {"event type=message id= data=a", "event type=message id= data=b", "last-id="}},
        {"error event", "event: error\ndata: {\"error\":\"SLOW_CONSUMER\",\"message\":\"m\"}\n\n",
         {"event type=error id= data={\"error\":\"SLOW_CONSUMER\",\"message\":\"m\"}", "last-id="}},
    };
    return cases;
}

}  // namespace

TEST_CASE("sse_parser: each stream of the table gives its items") {
    for (const auto& c : sse_cases()) {
        INFO(c.name);
        CHECK(sse_run({c.stream}) == c.expected);
    }
}

TEST_CASE("sse_parser: CRLF and lone CR line ends give the same items as LF") {
    for (const auto& c : sse_cases()) {
        INFO(c.name);
        CHECK(sse_run({sse_with_line_ends(c.stream, "\r\n")}) == c.expected);
        CHECK(sse_run({sse_with_line_ends(c.stream, "\r")}) == c.expected);
    }
}

TEST_CASE("sse_parser: a stream split at any byte boundary, or fed byte by byte, gives the same items") {
    for (const auto& c : sse_cases()) {
        for (const char* eol : {"\n", "\r\n", "\r"}) {
            const std::string s = sse_with_line_ends(c.stream, eol);
            INFO(c.name << " with line ends " << (eol[0] == '\n' ? "LF" : eol[1] ? "CRLF" : "CR"));
            for (std::size_t k = 0; k <= s.size(); ++k) {
                INFO("split at " << k);
                CHECK(sse_run({s.substr(0, k), s.substr(k)}) == c.expected);
            }
            std::vector<std::string> bytes;
            for (char ch : s) bytes.emplace_back(1, ch);
            CHECK(sse_run(bytes) == c.expected);
        }
    }
}

TEST_CASE("sse_parser: random splits of many events with mixed line ends keep every event") {
    std::mt19937 rng(16);
    std::string stream, expected_data;
    const char* eols[] = {"\n", "\r\n", "\r"};
    std::vector<std::string> expected;
    for (int i = 0; i < 200; ++i) {
        const std::string eol = eols[rng() % 3];
        const std::string id = "ep:" + std::to_string(i + 1);
        stream += "event: change" + eol + "id: " + id + eol + "data: {\"seq\":" + std::to_string(i + 1) + "}" + eol + eol;
        if (i % 7 == 0) stream += ": ping" + eol;
        expected.push_back("event type=change id=" + id + " data={\"seq\":" + std::to_string(i + 1) + "}");
        if (i % 7 == 0) expected.push_back("comment  ping");
    }
    expected.push_back("last-id=ep:200");
    for (int round = 0; round < 50; ++round) {
        std::vector<std::string> pieces;
        for (std::size_t pos = 0; pos < stream.size();) {
            const std::size_t n = 1 + rng() % 40;
            pieces.push_back(stream.substr(pos, n));
            pos += n;
        }
        REQUIRE(sse_run(pieces) == expected);
    }
}

TEST_CASE("sse_parser: a CR at the end of one feed and LF at the start of the next end one line") {
    sse_parser p;
    std::vector<sse_item> items;
    REQUIRE(p.feed("data: a\r", items));
    REQUIRE(p.feed("", items));  // an empty feed keeps the pending CR
    REQUIRE(p.feed("\n\r", items));
    REQUIRE(p.feed("\n", items));
    REQUIRE(items.size() == 1);
    CHECK(items[0].data == "a");
}

TEST_CASE("sse_parser: a line or an event's data over the limit is an error naming it") {
    SECTION("one long line, in pieces") {
        sse_parser p(64);
        std::vector<sse_item> items;
        REQUIRE(p.feed("data: " + std::string(40, 'x'), items));
        auto r = p.feed(std::string(40, 'x'), items);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "SSE line or event over 64 bytes");
    }
    SECTION("many short data lines") {
        sse_parser p(64);
        std::vector<sse_item> items;
        std::string s;
        for (int i = 0; i < 20; ++i) s += "data: 0123456789\n";
        auto r = p.feed(s, items);
        REQUIRE_FALSE(r);
        CHECK(items.empty());
    }
    SECTION("at the limit is fine") {
        sse_parser p(64);
        std::vector<sse_item> items;
        REQUIRE(p.feed("data: " + std::string(58, 'x') + "\n\n", items));
        REQUIRE(items.size() == 1);
        CHECK(items[0].data.size() == 58);
    }
}

TEST_CASE("sse_parser: retry_ms() keeps the last valid retry") {
    sse_parser p;
    std::vector<sse_item> items;
    CHECK_FALSE(p.retry_ms());
    REQUIRE(p.feed("retry: 2000\n\nretry: soon\n", items));
    REQUIRE(p.retry_ms());
    CHECK(*p.retry_ms() == 2000);
}

TEST_CASE("sse_parser reads back what rt serve writes: preamble, snapshot, changes, heartbeat, end event") {
    namespace p = rt::proto;
    const p::subscribed_msg fresh{"TeamOpen", {"e", 5}, false, nlohmann::json::array({{{"id", "T1"}}})};
    const std::string snap_frame = p::encode_subscribed(nullptr, fresh);
    const std::string ev_frame = p::encode_event("TeamOpen", p::operation::update, R"({"id":"T1","s":"a\nb"})", {"e", 6}, 1);
    auto snap = p::sse_from_frame(snap_frame, std::nullopt);
    auto change = p::sse_change(ev_frame);
    REQUIRE(snap);
    REQUIRE(change);
    const std::string stream = p::sse_preamble() + *snap + *change + p::sse_comment("ping") +
                               p::sse_event("x", "", "one\ntwo") + p::sse_end_event(1001, "server shutting down");
    const std::vector<std::string> want = {
        "retry " + std::to_string(p::sse_retry_ms),
        "event type=snapshot id=e:5 data=" + snap_frame,
        "event type=change id=e:6 data=" + ev_frame,
        "comment  ping",
        "event type=x id=e:6 data=one\ntwo",  // no id: field, so the last id stays in force
        "event type=error id=e:6 data={\"error\":\"GOING_AWAY\",\"code\":1001,\"message\":\"server shutting down\"}",
        "last-id=e:6",
    };
    CHECK(sse_run({stream}) == want);
    std::vector<std::string> bytes;
    for (char ch : stream) bytes.emplace_back(1, ch);
    CHECK(sse_run(bytes) == want);
    // The id a reconnect sends back is what the server reads.
    auto back = p::parse_sse_event_id(p::sse_event_id({"e", 6}), "Last-Event-ID");
    REQUIRE(back);
    CHECK(*back == p::stream_position{"e", 6});
}
