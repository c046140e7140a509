#include "loadgen/event_payload.hpp"

#include "protocol/event_scan.hpp"
#include "protocol/messages.hpp"

namespace rt::loadgen {

namespace {

// Parses an optionally negative decimal at the start of `s`; advances `s` past it.
std::optional<std::int64_t> take_int(std::string_view& s) {
    bool neg = !s.empty() && s.front() == '-';
    std::size_t i = neg ? 1 : 0;
    std::int64_t v = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 18) {
        v = v * 10 + (s[i] - '0');
        ++i;
        ++digits;
    }
    if (digits == 0) return std::nullopt;
    s.remove_prefix(i);
    return neg ? -v : v;
}

}  // namespace

std::string encode_title(std::int64_t intended_us, std::int64_t actual_us, std::uint64_t payload_bytes) {
    std::string t = "t=" + std::to_string(intended_us) + ";a=" + std::to_string(actual_us) + ";";
    if (payload_bytes > t.size()) t.append(payload_bytes - t.size(), 'x');
    return t;
}

std::optional<title_times> decode_title(std::string_view title) {
    auto p = title.find("t=");
    if (p == std::string_view::npos) return std::nullopt;
    std::string_view s = title.substr(p + 2);
    auto t = take_int(s);
    if (!t || s.substr(0, 3) != ";a=") return std::nullopt;
    s.remove_prefix(3);
    auto a = take_int(s);
    if (!a || s.empty() || s.front() != ';') return std::nullopt;
    return title_times{*t, *a};
}

std::optional<event_fields> scan_event(std::string_view frame, std::string_view payload_attr) {
    auto ev = proto::scan_event(frame);
    if (!ev) return std::nullopt;
    auto title = proto::scan_string_member(ev->data_json, payload_attr);
    if (!title) return std::nullopt;
    auto times = decode_title(*title);
    if (!times) return std::nullopt;
    return event_fields{ev->seq, *times};
}

bool is_delete_event(std::string_view frame) {
    auto op = proto::scan_string_member(frame, "operation");
    if (op) return *op == "delete";
    auto m = proto::decode_server(frame);
    const auto* e = m ? std::get_if<proto::event_msg>(&m->body) : nullptr;
    return e && e->op == proto::operation::remove;
}

}  // namespace rt::loadgen
