#include "protocol/sse_parser.hpp"

#include <algorithm>

namespace rt::proto {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

std::string too_big(std::size_t max_bytes) {
    return "SSE line or event over " + std::to_string(max_bytes) + " bytes";
}

// A `retry:` value: ASCII digits only (the standard ignores anything else), at most 18 of them.
std::optional<std::uint64_t> parse_retry(std::string_view v) {
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v) n = n * 10 + static_cast<std::uint64_t>(c - '0');
    return n;
}

}  // namespace

result<void, std::string> sse_parser::feed(std::string_view bytes, std::vector<sse_item>& out) {
    std::size_t pos = 0;
    if (skip_lf_ && !bytes.empty()) {  // the CR that ended the last feed was half of a CRLF
        skip_lf_ = false;
        if (bytes.front() == '\n') pos = 1;
    }
    while (pos < bytes.size()) {
        const std::size_t eol = bytes.find_first_of("\r\n", pos);
        if (eol == std::string_view::npos) {
            if (line_.size() + (bytes.size() - pos) > max_event_bytes_) return make_unexpected(too_big(max_event_bytes_));
            line_.append(bytes.substr(pos));
            break;
        }
        std::string_view piece = bytes.substr(pos, eol - pos);
        std::string_view line = piece;
        if (!line_.empty()) {  // the line began in an earlier feed
            line_.append(piece);
            line = line_;
        }
        if (line.size() > max_event_bytes_) return make_unexpected(too_big(max_event_bytes_));
        process_line(line, out);
        line_.clear();
        if (data_.size() > max_event_bytes_) return make_unexpected(too_big(max_event_bytes_));
        pos = eol + 1;
        if (bytes[eol] == '\r') {
            if (pos == bytes.size()) skip_lf_ = true;
            else if (bytes[pos] == '\n') ++pos;
        }
    }
    return {};
}

void sse_parser::process_line(std::string_view line, std::vector<sse_item>& out) {
    if (at_start_) {
        at_start_ = false;
        if (line.substr(0, utf8_bom.size()) == utf8_bom) line.remove_prefix(utf8_bom.size());
    }
    if (line.empty()) {  // dispatch
        if (has_data_) {
            sse_item ev;
            ev.what = sse_item::kind::event;
            ev.type = type_.empty() ? "message" : std::move(type_);
            ev.id = last_id_;
            ev.data = std::move(data_);
            out.push_back(std::move(ev));
        }
        type_.clear();
        data_.clear();
        has_data_ = false;
        return;
    }
    if (line.front() == ':') {
        sse_item c;
        c.what = sse_item::kind::comment;
        c.data = std::string(line.substr(1));
        out.push_back(std::move(c));
        return;
    }
    const std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        type_ = std::string(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
    } else if (field == "retry") {
        if (auto ms = parse_retry(value)) {
            retry_ms_ = *ms;
            sse_item r;
            r.what = sse_item::kind::retry;
            r.retry_ms = *ms;
            out.push_back(std::move(r));
        }
    }
}

}  // namespace rt::proto
