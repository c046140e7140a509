// Fuzz target: the SSE stream parser (protocol/sse_parser.*), what rt loadgen's SSE subscribers
// read from a server.
// Input: the bytes of an event stream.
// Properties:
//   Under the default limit the parser never fails; the items are the same whether the input is
//   fed whole, byte by byte, or split at a point the input picks (its first byte), and so is
//   last_event_id(). No item holds a line end where the standard forbids one: a comment's text, an
//   event's type and id have no CR or LF, an event's data no CR; an id has no NUL.
//   Under a small limit (64 bytes) it may fail, but never dispatches data over the limit.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sse_parser.hpp"
#include "fuzz_check.hpp"

using namespace rt::proto;

namespace {

struct fuzz_sse_run {
    std::vector<sse_item> items;
    std::string last_id;
    bool ok = true;
};

fuzz_sse_run feed_pieces(std::string_view text, const std::vector<std::size_t>& cuts, std::size_t limit) {
    sse_parser p(limit);
    fuzz_sse_run r;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        if (r.ok) r.ok = p.feed(text.substr(from, cut - from), r.items).ok();
        from = cut;
    }
    if (r.ok) r.ok = p.feed(text.substr(from), r.items).ok();
    r.last_id = p.last_event_id();
    return r;
}

bool same_items(const std::vector<sse_item>& a, const std::vector<sse_item>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].what != b[i].what || a[i].type != b[i].type || a[i].id != b[i].id || a[i].data != b[i].data ||
            a[i].retry_ms != b[i].retry_ms)
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const fuzz_sse_run whole = feed_pieces(text, {}, default_sse_max_event_bytes);
    FUZZ_CHECK(whole.ok, "under the default limit the parser never fails");
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < size; ++i) every.push_back(i);
    const fuzz_sse_run bytes = feed_pieces(text, every, default_sse_max_event_bytes);
    FUZZ_CHECK(same_items(whole.items, bytes.items) && whole.last_id == bytes.last_id, "byte by byte gives the same items");
    if (size > 0) {
        const fuzz_sse_run split = feed_pieces(text, {static_cast<std::size_t>(data[0]) % size}, default_sse_max_event_bytes);
        FUZZ_CHECK(same_items(whole.items, split.items) && whole.last_id == split.last_id, "a split gives the same items");
    }
    for (const auto& it : whole.items) {
        FUZZ_CHECK(it.type.find_first_of("\r\n") == std::string::npos, "no line end in a type");
        FUZZ_CHECK(it.id.find_first_of(std::string("\r\n\0", 3)) == std::string::npos, "no line end or NUL in an id");
        if (it.what == sse_item::kind::comment)
            FUZZ_CHECK(it.data.find_first_of("\r\n") == std::string::npos, "no line end in a comment");
        else
            FUZZ_CHECK(it.data.find('\r') == std::string::npos, "no CR in data");
        if (it.what == sse_item::kind::event) FUZZ_CHECK(!it.type.empty(), "an event has a type");
    }
    const fuzz_sse_run small = feed_pieces(text, {}, 64);
    for (const auto& it : small.items) FUZZ_CHECK(it.data.size() <= 64, "no data over the limit");
    return 0;
}
