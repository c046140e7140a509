// Fuzz target: the wire codec (protocol/messages.*).
// Input: one WebSocket text frame, given to both decoders.
// Properties:
//   decode_client never throws; a failure has a message, and the server's error reply for it
//   (encode_error) is valid JSON that decode_server reads back with the same code.
//   A decoded client message re-encodes (encode_client) to text that decodes again, and encoding
//   that gives the same text: decode∘encode is the identity on what decode_client accepts.
//   decode_server likewise: encode_server∘decode_server reaches a fixed point after one round.
//   For a decoded event: event_with_sid(encode_event(e), sid) == encode_event(e, sid) (the splice
//   the server uses for sid subscribers builds the same frame as encoding with the sid).
//   scan_event (loadgen's fast path) answers only for a frame decode_server reads as an event, with
//   the same seq, epoch and data; scan_string_member on that data agrees with the decoded row.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "protocol/event_scan.hpp"
#include "protocol/messages.hpp"
#include "fuzz_check.hpp"

using namespace rt::proto;

namespace {

// Re-encoded text may be longer than the original ("1e5" → "100000.0"): no size limit on the re-read.
decode_limits unlimited_size() {
    decode_limits l;
    l.max_message_bytes = std::numeric_limits<std::size_t>::max();
    return l;
}

void client_side(std::string_view text) {
    auto m = decode_client(text);
    if (!m) {
        const decode_error& e = m.error();
        FUZZ_CHECK(!e.error.message.empty(), "a decode error says what is wrong");
        FUZZ_CHECK(e.id.is_null() || e.id.is_string() || e.id.is_number_integer(), "an echoed id is a string or integer");
        std::string reply = encode_error(e.id, e.error.code, e.error.message);
        auto back = decode_server(reply);
        FUZZ_CHECK(back.ok(), "the error reply decodes");
        const auto* em = std::get_if<error_msg>(&back.value().body);
        FUZZ_CHECK(em && em->error.code == e.error.code, "the error reply keeps its code");
        FUZZ_CHECK(back.value().id == e.id, "the error reply echoes the id");
        return;
    }
    std::string once = encode_client(m.value());
    auto again = decode_client(once, unlimited_size());
    FUZZ_CHECK(again.ok(), "encode_client output decodes");
    FUZZ_CHECK(again.value().id == m.value().id, "the id survives a round trip");
    FUZZ_CHECK(again.value().body.index() == m.value().body.index(), "the type survives a round trip");
    FUZZ_CHECK(encode_client(again.value()) == once, "decode∘encode is a fixed point");
}

void scan_side(std::string_view text, const rt::result<server_message, protocol_error>& m) {
    auto scanned = scan_event(text);
    if (!scanned) return;
    const auto* ev = m ? std::get_if<event_msg>(&m.value().body) : nullptr;
    FUZZ_CHECK(ev != nullptr, "scan_event answers only for what decode_server reads as an event");
    FUZZ_CHECK(scanned->seq == ev->position.seq && scanned->epoch == ev->position.epoch, "scan_event reads seq and epoch as the decoder");
    FUZZ_CHECK(json::parse(scanned->data_json, nullptr, false) == ev->data, "scan_event's data is the decoded data");
    if (auto title = scan_string_member(scanned->data_json, "title")) {
        auto it = ev->data.is_object() ? ev->data.find("title") : ev->data.end();
        FUZZ_CHECK(ev->data.is_object() && it != ev->data.end() && *it == std::string(*title), "scan_string_member reads the decoded member");
    }
}

void server_side(std::string_view text) {
    auto m = decode_server(text);
    scan_side(text, m);
    if (!m) {
        FUZZ_CHECK(!m.error().message.empty(), "a decode error says what is wrong");
        return;
    }
    std::string once = encode_server(m.value());
    auto again = decode_server(once);
    FUZZ_CHECK(again.ok(), "encode_server output decodes");
    FUZZ_CHECK(again.value().body.index() == m.value().body.index(), "the type survives a round trip");
    std::string twice = encode_server(again.value());
    auto third = decode_server(twice);
    FUZZ_CHECK(third.ok(), "encode_server output decodes (second round)");
    FUZZ_CHECK(encode_server(third.value()) == twice, "decode∘encode reaches a fixed point");

    if (const auto* ev = std::get_if<event_msg>(&m.value().body)) {
        std::string data = ev->data.dump();
        std::string plain = encode_event(ev->subscription, ev->op, data, ev->position, ev->ts_ms);
        for (std::string_view sid : {std::string_view(ev->sid), std::string_view("s\"1\x01")}) {
            FUZZ_CHECK(event_with_sid(plain, sid) == encode_event(ev->subscription, ev->op, data, ev->position, ev->ts_ms, sid),
                       "event_with_sid splices the same frame encode_event builds");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    client_side(text);
    server_side(text);
    return 0;
}
