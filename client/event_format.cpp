#include "client/event_format.hpp"

#include <cstdio>
#include <ctime>

#include "protocol/client_session.hpp"

namespace rt::client {

namespace {

constexpr const char* k_reset = "\x1b[0m";
constexpr const char* k_dim = "\x1b[2m";

const char* op_color(std::string_view op) {
    if (op == "insert") return "\x1b[32m";
    if (op == "update") return "\x1b[33m";
    if (op == "delete") return "\x1b[31m";
    return "\x1b[36m";  // snapshot
}

// "HH:MM:SS.mmm" in local time; "--:--:--.---" when there is no timestamp (snapshot rows).
std::string clock_text(std::int64_t ts_ms) {
    if (ts_ms <= 0) return "--:--:--.---";
    const std::time_t secs = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ts_ms % 1000));
    return buf;
}

std::string pretty(std::string_view subscription, std::string_view op, const proto::json& data,
                   std::uint64_t seq, std::int64_t ts_ms, bool color) {
    auto paint = [color](const char* code, std::string_view text) {
        if (!color) return std::string(text);
        return std::string(code) + std::string(text) + k_reset;
    };
    std::string id = proto::row_key(data);
    std::string out = paint(k_dim, clock_text(ts_ms));
    out += ' ';
    out += subscription;
    out += ' ';
    out += paint(k_dim, "#" + std::to_string(seq));
    out += ' ';
    out += paint(op_color(op), op);
    if (!id.empty()) {
        out += ' ';
        out += id;
    }
    if (op != "delete" && data.is_object()) {
        proto::json rest = data;
        rest.erase("id");
        if (!rest.empty()) {
            out += ' ';
            out += rest.dump();
        }
    } else if (!data.is_object()) {
        out += ' ';
        out += data.dump();
    }
    return out;
}

}  // namespace

std::string event_json_line(const proto::event_msg& e) {
    return proto::encode_event(e.subscription, e.op, e.data.dump(), e.position, e.ts_ms, e.sid);
}

std::string snapshot_json_line(std::string_view subscription, const proto::json& row,
                               const proto::stream_position& pos) {
    std::string out = "{\"type\":\"snapshot\",\"subscription\":";
    proto::append_json_string(out, subscription);
    out += ",\"operation\":\"snapshot\",\"data\":";
    out += row.dump();
    out += ",\"epoch\":";
    proto::append_json_string(out, pos.epoch);
    out += ",\"seq\":";
    out += std::to_string(pos.seq);
    out += '}';
    return out;
}

std::string event_pretty_line(const proto::event_msg& e, bool color) {
    // A subscription named by a sid (two of one name) is shown by its sid: NAME#2.
    return pretty(e.sid.empty() ? e.subscription : e.sid, proto::to_wire(e.op), e.data, e.position.seq, e.ts_ms, color);
}

std::string snapshot_pretty_line(std::string_view subscription, const proto::json& row,
                                 const proto::stream_position& pos, bool color) {
    return pretty(subscription, "snapshot", row, pos.seq, 0, color);
}

bool use_color(bool stdout_is_tty, const char* no_color_env) {
    return stdout_is_tty && (no_color_env == nullptr || *no_color_env == '\0');
}

}  // namespace rt::client
