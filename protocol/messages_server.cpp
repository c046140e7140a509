// Server → client messages: their encoders (the server) and decode_server (clients). The client →
// server half is messages.cpp.
#include "protocol/messages.hpp"

#include <cstdio>

#include "protocol/throttle_value.hpp"
#include "protocol/units.hpp"

namespace rt::proto {

// ---- server encoders -----------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
                    out += buf;
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

namespace {
void append_id(std::string& out, const json& id) {
    if (id.is_null()) return;
    out += "\"id\":";
    out += id.dump();
    out.push_back(',');
}
}  // namespace

namespace {
constexpr std::string_view k_event_prefix = "{\"type\":\"event\",";
constexpr std::string_view k_events_prefix = "{\"type\":\"events\",";
// `"sid":"...",` right after an (event or events) frame's type; nothing without a sid.
void append_sid_first(std::string& out, std::string_view sid) {
    if (sid.empty()) return;
    out += "\"sid\":";
    append_json_string(out, sid);
    out.push_back(',');
}
}  // namespace

std::string encode_event(std::string_view subscription, operation op, std::string_view data_json,
                         const stream_position& pos, std::int64_t ts_ms, std::string_view sid) {
    std::string out;
    // Fixed text (~87 bytes) + two numbers (<= 40) + the variable parts: one allocation, no slack
    // beyond escapes (frames are kept in replay buffers, so capacity is memory).
    out.reserve(136 + subscription.size() + data_json.size() + pos.epoch.size() + (sid.empty() ? 0 : sid.size() + 9));
    out += k_event_prefix;
    append_sid_first(out, sid);
    out += "\"subscription\":";
    append_json_string(out, subscription);
    out += ",\"operation\":\"";
    out += to_wire(op);
    out += "\",\"data\":";
    out += data_json;
    out += ",\"epoch\":";
    append_json_string(out, pos.epoch);
    out += ",\"seq\":";
    out += std::to_string(pos.seq);
    out += ",\"ts\":";
    out += std::to_string(ts_ms);
    out.push_back('}');
    return out;
}

std::string encode_events(std::string_view subscription, std::string_view epoch, const std::vector<batch_item>& items,
                          std::string_view sid) {
    std::size_t size = 64 + subscription.size() + epoch.size() + sid.size();
    for (const auto& it : items) size += 64 + it.data_json.size();
    std::string out;
    out.reserve(size);
    out += k_events_prefix;
    append_sid_first(out, sid);
    out += "\"subscription\":";
    append_json_string(out, subscription);
    out += ",\"epoch\":";
    append_json_string(out, epoch);
    out += ",\"events\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        out += "{\"operation\":\"";
        out += to_wire(items[i].op);
        out += "\",\"data\":";
        out += items[i].data_json;
        out += ",\"seq\":";
        out += std::to_string(items[i].seq);
        out += ",\"ts\":";
        out += std::to_string(items[i].ts_ms);
        out.push_back('}');
    }
    out += "]}";
    return out;
}

std::string event_with_sid(std::string_view frame, std::string_view sid) {
    std::string_view prefix = frame.substr(0, k_event_prefix.size()) == k_event_prefix     ? k_event_prefix
                              : frame.substr(0, k_events_prefix.size()) == k_events_prefix ? k_events_prefix
                                                                                           : std::string_view();
    if (sid.empty() || prefix.empty()) return std::string(frame);
    std::string out;
    out.reserve(frame.size() + sid.size() + 9);
    out += prefix;
    append_sid_first(out, sid);
    out += frame.substr(prefix.size());
    return out;
}

std::string encode_subscribed(const json& id, const subscribed_msg& m) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"subscribed\",\"subscription\":";
    append_json_string(out, m.subscription);
    if (!m.sid.empty()) {
        out += ",\"sid\":";
        append_json_string(out, m.sid);
    }
    out += ",\"epoch\":";
    append_json_string(out, m.position.epoch);
    out += ",\"seq\":" + std::to_string(m.position.seq);
    out += m.recovered ? ",\"recovered\":true" : ",\"recovered\":false";
    if (m.throttle_ms) {
        out += ",\"throttle\":";
        append_json_string(out, format_duration(std::chrono::milliseconds(m.throttle_ms)));
    }
    if (m.batch) out += ",\"batch\":true";
    if (!m.reason.empty()) {
        out += ",\"reason\":";
        append_json_string(out, m.reason);
    }
    if (!m.recovered) {
        out += ",\"initial\":";
        out += m.initial.dump();
    }
    out.push_back('}');
    return out;
}

std::string encode_unsubscribed(const json& id, std::string_view subscription, std::string_view sid,
                                std::string_view reason) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"unsubscribed\",\"subscription\":";
    append_json_string(out, subscription);
    if (!sid.empty()) {
        out += ",\"sid\":";
        append_json_string(out, sid);
    }
    if (!reason.empty()) {
        out += ",\"reason\":";
        append_json_string(out, reason);
    }
    out.push_back('}');
    return out;
}

std::string encode_published(const json& id, std::string_view entity, const json& data) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"published\",\"entity\":";
    append_json_string(out, entity);
    out += ",\"data\":";
    out += data.dump();
    out.push_back('}');
    return out;
}

std::string encode_presence(const presence_state_msg& m) {
    json users = json::array();
    for (const auto& u : m.users) users.push_back({{"id", u.id}, {"meta", u.meta}});
    std::string out = "{\"type\":\"presence\",\"resource\":";
    append_json_string(out, m.resource);
    out += ",\"users\":";
    out += users.dump();
    if (m.count) out += ",\"count\":" + std::to_string(*m.count);
    out.push_back('}');
    return out;
}

std::string encode_pong(const json& id, std::int64_t timestamp) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"pong\",\"timestamp\":" + std::to_string(timestamp) + "}";
    return out;
}

std::string encode_error(const json& id, error_code code, std::string_view message) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"error\",\"code\":\"";
    out += to_wire(code);
    out += "\",\"message\":";
    // Messages may quote client input: dump() escapes and replaces invalid UTF-8 safely.
    out += json(std::string(message)).dump(-1, ' ', false, json::error_handler_t::replace);
    out.push_back('}');
    return out;
}

std::string encode_refreshed(const json& id, std::optional<std::int64_t> exp) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"refreshed\"";
    if (exp) out += ",\"exp\":" + std::to_string(*exp);
    out.push_back('}');
    return out;
}

std::string encode_spec_changed(const spec_changed_msg& m) {
    std::string out = "{\"type\":\"spec_changed\",\"version\":";
    append_json_string(out, m.version);
    auto list = [&out](const char* name, const std::vector<std::string>& names) {
        out += ",\"";
        out += name;
        out += "\":[";
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (i) out.push_back(',');
            append_json_string(out, names[i]);
        }
        out.push_back(']');
    };
    list("added", m.added);
    list("changed", m.changed);
    list("removed", m.removed);
    out.push_back('}');
    return out;
}

std::string encode_server(const server_message& m) {
    return std::visit(
        [&](const auto& b) -> std::string {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, subscribed_msg>) return encode_subscribed(m.id, b);
            else if constexpr (std::is_same_v<T, event_msg>)
                return encode_event(b.subscription, b.op, b.data.dump(), b.position, b.ts_ms, b.sid);
            else if constexpr (std::is_same_v<T, unsubscribed_msg>)
                return encode_unsubscribed(m.id, b.subscription, b.sid, b.reason);
            else if constexpr (std::is_same_v<T, published_msg>) return encode_published(m.id, b.entity, b.data);
            else if constexpr (std::is_same_v<T, presence_state_msg>) return encode_presence(b);
            else if constexpr (std::is_same_v<T, pong_msg>) return encode_pong(m.id, b.timestamp);
            else if constexpr (std::is_same_v<T, refreshed_msg>) return encode_refreshed(m.id, b.exp);
            else if constexpr (std::is_same_v<T, spec_changed_msg>) return encode_spec_changed(b);
            else if constexpr (std::is_same_v<T, events_msg>) {
                std::vector<std::string> rows;
                std::vector<batch_item> items;
                rows.reserve(b.events.size());
                for (const auto& e : b.events) rows.push_back(e.data.dump());
                for (std::size_t i = 0; i < b.events.size(); ++i)
                    items.push_back({b.events[i].op, rows[i], b.events[i].position.seq, b.events[i].ts_ms});
                return encode_events(b.subscription, b.epoch, items, b.sid);
            }
            else return encode_error(m.id, b.error.code, b.error.message);
        },
        m.body);
}

// ---- decoding server messages (clients) ----------------------------------------------------

namespace {
using serr = unexpected<protocol_error>;
protocol_error sbad(std::string msg) { return protocol_error{error_code::bad_request, std::move(msg)}; }

std::optional<stream_position> read_position(const json& j) {
    auto ep = j.find("epoch");
    auto sq = j.find("seq");
    if (ep == j.end() || !ep->is_string() || sq == j.end() || !sq->is_number_unsigned()) return std::nullopt;
    return stream_position{ep->get<std::string>(), sq->get<std::uint64_t>()};
}
// A required string field: nullopt when absent or not a string.
std::optional<std::string> str_field(const json& j, const char* f) {
    auto it = j.find(f);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}
std::string optional_str(const json& j, const char* f) {
    auto it = j.find(f);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
// An optional time field (`ts`, `timestamp`): an integer, or a number inside int64's range
// (truncated). Anything else leaves `out` as it was: converting an out-of-range double such as
// 1e300 to int64 is undefined behaviour (found by tests/fuzz/fuzz_codec).
void optional_int64(const json& j, const char* f, std::int64_t& out) {
    auto it = j.find(f);
    if (it == j.end()) return;
    if (it->is_number_integer()) {
        out = it->get<std::int64_t>();
    } else if (it->is_number_float()) {
        double d = it->get<double>();
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) out = static_cast<std::int64_t>(d);  // ±2^63
    }
}
}  // namespace

bool is_unknown_server_type(std::string_view text) {
    static const char* const known[] = {"event", "subscribed", "unsubscribed", "published", "presence", "pong", "error", "refreshed", "spec_changed", "events"};
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return false;
    auto t = doc.find("type");
    if (t == doc.end() || !t->is_string()) return false;
    for (const char* k : known)
        if (*t == k) return false;
    return true;
}

result<server_message, protocol_error> decode_server(std::string_view text) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return serr{sbad("server message is not a JSON object")};
    return decode_server_value(std::move(doc));
}

result<server_message, protocol_error> decode_server_value(json doc) {
    if (!doc.is_object()) return serr{sbad("server message is not a JSON object")};
    server_message out;
    if (auto id = doc.find("id"); id != doc.end()) out.id = *id;
    std::optional<std::string> type_field = str_field(doc, "type");
    if (!type_field) return serr{sbad("server message has no 'type'")};
    const std::string& type = *type_field;
    auto malformed = [&] { return serr{sbad("malformed " + type + " message")}; };
    if (type == "event") {
        event_msg m;
        auto sub = str_field(doc, "subscription");
        auto op = operation_from_wire(str_field(doc, "operation").value_or(""));
        auto data = doc.find("data");
        auto pos = read_position(doc);
        if (!sub || !op || data == doc.end() || !pos) return serr{sbad("malformed event")};
        m.subscription = std::move(*sub);
        m.sid = optional_str(doc, "sid");
        m.op = *op;
        m.data = std::move(*data);
        m.position = std::move(*pos);
        optional_int64(doc, "ts", m.ts_ms);
        out.body = std::move(m);
    } else if (type == "events") {
        events_msg m;
        auto sub = str_field(doc, "subscription");
        auto epoch = str_field(doc, "epoch");
        auto list = doc.find("events");
        if (!sub || !epoch || list == doc.end() || !list->is_array()) return malformed();
        m.subscription = std::move(*sub);
        m.sid = optional_str(doc, "sid");
        m.epoch = std::move(*epoch);
        for (auto& item : *list) {
            if (!item.is_object()) return malformed();
            event_msg e;
            auto op = operation_from_wire(str_field(item, "operation").value_or(""));
            auto data = item.find("data");
            auto sq = item.find("seq");
            if (!op || data == item.end() || sq == item.end() || !sq->is_number_unsigned()) return malformed();
            e.subscription = m.subscription;
            e.sid = m.sid;
            e.op = *op;
            e.data = std::move(*data);
            e.position = stream_position{m.epoch, sq->get<std::uint64_t>()};
            optional_int64(item, "ts", e.ts_ms);
            m.events.push_back(std::move(e));
        }
        out.body = std::move(m);
    } else if (type == "subscribed") {
        subscribed_msg m;
        auto sub = str_field(doc, "subscription");
        auto pos = read_position(doc);
        if (!sub || !pos) return serr{sbad("malformed subscribed")};
        m.subscription = std::move(*sub);
        m.sid = optional_str(doc, "sid");
        m.position = std::move(*pos);
        if (auto r = doc.find("recovered"); r != doc.end() && r->is_boolean()) m.recovered = r->get<bool>();
        if (auto i = doc.find("initial"); i != doc.end() && i->is_array()) m.initial = std::move(*i);
        if (auto t = doc.find("throttle"); t != doc.end() && t->is_string())
            if (auto ms = parse_throttle(t->get_ref<const std::string&>())) m.throttle_ms = *ms;
        if (auto b = doc.find("batch"); b != doc.end() && b->is_boolean()) m.batch = b->get<bool>();
        m.reason = optional_str(doc, "reason");
        out.body = std::move(m);
    } else if (type == "unsubscribed") {
        auto sub = str_field(doc, "subscription");
        if (!sub) return malformed();
        out.body = unsubscribed_msg{std::move(*sub), optional_str(doc, "sid"), optional_str(doc, "reason")};
    } else if (type == "published") {
        published_msg m;
        auto entity = str_field(doc, "entity");
        if (!entity) return malformed();
        m.entity = std::move(*entity);
        if (auto d = doc.find("data"); d != doc.end()) m.data = std::move(*d);
        out.body = std::move(m);
    } else if (type == "presence") {
        presence_state_msg m;
        auto resource = str_field(doc, "resource");
        if (!resource) return malformed();
        m.resource = std::move(*resource);
        if (auto u = doc.find("users"); u != doc.end() && u->is_array()) {
            for (const auto& e : *u) {
                presence_user pu;
                if (e.contains("id") && e["id"].is_string()) pu.id = e["id"].get<std::string>();
                if (e.contains("meta")) pu.meta = e["meta"];
                m.users.push_back(std::move(pu));
            }
        }
        if (auto n = doc.find("count"); n != doc.end() && n->is_number_unsigned()) m.count = n->get<std::size_t>();
        out.body = std::move(m);
    } else if (type == "pong") {
        pong_msg m;
        optional_int64(doc, "timestamp", m.timestamp);
        out.body = m;
    } else if (type == "refreshed") {
        refreshed_msg m;
        if (auto e = doc.find("exp"); e != doc.end()) {
            if (!e->is_number_integer()) return malformed();
            m.exp = e->get<std::int64_t>();
        }
        out.body = m;
    } else if (type == "spec_changed") {
        spec_changed_msg m;
        auto version = str_field(doc, "version");
        if (!version) return malformed();
        m.version = std::move(*version);
        for (auto [field, names] : {std::pair<const char*, std::vector<std::string>*>{"added", &m.added},
                                    {"changed", &m.changed}, {"removed", &m.removed}}) {
            auto it = doc.find(field);
            if (it == doc.end()) continue;
            if (!it->is_array()) return malformed();
            for (const auto& n : *it) {
                if (!n.is_string()) return malformed();
                names->push_back(n.get<std::string>());
            }
        }
        out.body = std::move(m);
    } else if (type == "error") {
        // Lenient: a server's refusal is shown whatever shape it has.
        auto code = error_code_from_wire(str_field(doc, "code").value_or(""));
        out.body = error_msg{protocol_error{code.value_or(error_code::bad_request), str_field(doc, "message").value_or("")}};
    } else {
        return serr{sbad("unknown server message type '" + type + "'")};
    }
    return out;
}

}  // namespace rt::proto
