#include "protocol/sse_events.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/close_codes.hpp"
#include "protocol/event_scan.hpp"

namespace rt::proto {

namespace {

unexpected<protocol_error> sse_bad(std::string field, std::string msg) {
    return make_unexpected(protocol_error{error_code::bad_request, std::move(msg), std::move(field)});
}

// How deep `text` nests ({ and [ outside strings), so a filter is refused before it is parsed
// when it nests deeper than decode_client would let a message nest.
std::size_t sse_nesting(std::string_view text) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace

std::string sse_event_id(const stream_position& p) { return p.epoch + ":" + std::to_string(p.seq); }

result<stream_position, protocol_error> parse_sse_event_id(std::string_view text, std::string_view field) {
    const std::string f(field);
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        return sse_bad(f, f + " must be EPOCH:SEQ, the id of an event of this stream");
    const std::string_view digits = text.substr(colon + 1);
    if (digits.size() > 19) return sse_bad(f, f + ": the seq is too large");
    std::uint64_t seq = 0;
    for (char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return sse_bad(f, f + ": the seq after ':' must be a whole number");
        seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return stream_position{std::string(text.substr(0, colon)), seq};
}

result<subscribe_msg, protocol_error> sse_subscribe_request(const std::map<std::string, std::string>& query,
                                                            std::string_view last_event_id, const decode_limits& limits) {
    json msg = {{"type", "subscribe"}};
    if (auto s = query.find("subscription"); s != query.end()) msg["subscription"] = s->second;
    if (auto f = query.find("filter"); f != query.end() && !f->second.empty()) {
        if (sse_nesting(f->second) > limits.max_depth)
            return sse_bad("filter", "filter nests deeper than " + std::to_string(limits.max_depth) + " levels");
        json filter = json::parse(f->second, nullptr, false);
        if (filter.is_discarded()) return sse_bad("filter", "filter is not valid JSON (send a URL-encoded JSON object)");
        msg["filter"] = std::move(filter);
    }
    std::optional<stream_position> since;
    if (!last_event_id.empty()) {
        auto p = parse_sse_event_id(last_event_id, "Last-Event-ID");
        if (!p) return make_unexpected(std::move(p.error()));
        since = std::move(*p);
    } else if (auto s = query.find("since"); s != query.end() && !s->second.empty()) {
        auto p = parse_sse_event_id(s->second, "since");
        if (!p) return make_unexpected(std::move(p.error()));
        since = std::move(*p);
    }
    if (since) msg["since"] = {{"epoch", since->epoch}, {"seq", since->seq}};
    if (auto t = query.find("throttle"); t != query.end() && !t->second.empty()) msg["throttle"] = t->second;
    auto decoded = decode_client(msg.dump(-1, ' ', false, json::error_handler_t::replace), limits);
    if (!decoded) return make_unexpected(std::move(decoded.error().error));
    return std::get<subscribe_msg>(std::move(decoded->body));
}

std::string sse_event(std::string_view event, std::string_view id, std::string_view data) {
    std::string out;
    out.reserve(event.size() + id.size() + data.size() + 24);
    out.append("event: ").append(event).push_back('\n');
    if (!id.empty()) out.append("id: ").append(id).push_back('\n');
    for (;;) {
        const auto nl = data.find_first_of("\r\n");
        out.append("data: ").append(data.substr(0, nl)).push_back('\n');
        if (nl == std::string_view::npos) break;
        data.remove_prefix(nl + (data[nl] == '\r' && nl + 1 < data.size() && data[nl + 1] == '\n' ? 2 : 1));
    }
    out.push_back('\n');
    return out;
}

std::string sse_comment(std::string_view text) { return ": " + std::string(text) + "\n\n"; }

std::string sse_preamble() { return "retry: " + std::to_string(sse_retry_ms) + "\n\n"; }

std::optional<std::string> sse_change(std::string_view event_frame) {
    if (auto e = scan_event(event_frame)) return sse_event("change", std::string(e->epoch) + ":" + std::to_string(e->seq), event_frame);
    auto m = decode_server(event_frame);  // the scanner was not sure
    if (!m) return std::nullopt;
    const auto* ev = std::get_if<event_msg>(&m->body);
    if (!ev) return std::nullopt;
    return sse_event("change", sse_event_id(ev->position), event_frame);
}

std::optional<std::string> sse_from_frame(std::string_view frame, const std::optional<stream_position>& resumed_from) {
    if (auto e = scan_event(frame)) return sse_event("change", std::string(e->epoch) + ":" + std::to_string(e->seq), frame);
    auto m = decode_server(frame);
    if (!m) return std::nullopt;
    if (const auto* ev = std::get_if<event_msg>(&m->body)) return sse_event("change", sse_event_id(ev->position), frame);
    if (const auto* sub = std::get_if<subscribed_msg>(&m->body))
        return sse_event(sub->recovered ? "resumed" : "snapshot",
                         sse_event_id(sub->recovered && resumed_from ? *resumed_from : sub->position), frame);
    // No id: the browser's Last-Event-ID stays the stream position it has.
    if (std::holds_alternative<spec_changed_msg>(m->body)) return sse_event("spec_changed", {}, frame);
    return std::nullopt;
}

bool sse_ends_stream(std::string_view frame) {
    auto m = decode_server(frame);
    return m && m->id.is_null() && std::holds_alternative<unsubscribed_msg>(m->body);
}

std::string sse_end_event(std::uint16_t close_code, std::string_view reason) {
    std::string name(close_code_name(close_code));
    if (name.empty()) name = "closed";
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string data = "{\"error\":";
    append_json_string(data, name);
    data += ",\"code\":" + std::to_string(close_code) + ",\"message\":";
    append_json_string(data, reason);
    data += "}";
    return sse_event("error", {}, data);
}

}  // namespace rt::proto
