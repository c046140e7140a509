#include "protocol/messages.hpp"

#include <array>
#include <cstdio>
#include <initializer_list>
#include <limits>

#include "protocol/throttle_value.hpp"
#include "protocol/units.hpp"

namespace rt::proto {

namespace {

using err = unexpected<decode_error>;
// A field reader's verdict: ok, or a bad_request naming the field.
using checked = result<void, protocol_error>;

// A message-level decode error; `field` when one field is at fault.
decode_error bad(std::string msg, json id = nullptr, std::optional<std::string> field = std::nullopt) {
    return decode_error{protocol_error{error_code::bad_request, std::move(msg), std::move(field)}, std::move(id)};
}
unexpected<protocol_error> bad_field(std::string field, std::string msg) {
    return make_unexpected(protocol_error{error_code::bad_request, std::move(msg), std::move(field)});
}

// A SAX pass that only checks nesting depth and records where a syntax error is, so the client
// hears "at byte 17" instead of just "not JSON". Builds nothing.
struct shape_checker : nlohmann::json_sax<json> {
    std::size_t max_depth;
    std::size_t depth = 0;
    bool too_deep = false;
    std::string error;

    explicit shape_checker(std::size_t max) : max_depth(max) {}
    bool push() {
        if (++depth > max_depth) { too_deep = true; return false; }
        return true;
    }
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return push(); }
    bool key(string_t&) override { return true; }
    bool end_object() override { --depth; return true; }
    bool start_array(std::size_t) override { return push(); }
    bool end_array() override { --depth; return true; }
    bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception&) override {
        error = "not valid JSON (syntax error at byte " + std::to_string(pos) + ")";
        return false;
    }
};

const char* type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "an integer";
        case json::value_t::number_float: return "a number";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "a value";
    }
}

// Field readers of one client message: each fills its `out` and returns ok, or a bad_request
// naming the field (in `field` and in the message). `out` is left as it was on error.
struct reader {
    const json& obj;
    std::string_view type;
    const decode_limits& limits;

    checked check_known(std::initializer_list<std::string_view> allowed) const {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            bool known = it.key() == "type" || it.key() == "id";
            for (auto a : allowed) known = known || it.key() == a;
            if (!known) return bad_field(it.key(), "unknown field '" + it.key() + "' in " + std::string(type));
        }
        return {};
    }
    checked name(const char* field, std::string& out, bool required = true) const {
        auto it = obj.find(field);
        if (it == obj.end()) {
            if (required) return bad_field(field, std::string("missing field '") + field + "'");
            return {};
        }
        if (!it->is_string())
            return bad_field(field, std::string("field '") + field + "' must be a string, got " + type_name(*it));
        const auto& s = it->get_ref<const std::string&>();
        if (s.empty()) return bad_field(field, std::string("field '") + field + "' must not be empty");
        if (s.size() > limits.max_name_bytes)
            return bad_field(field, std::string("field '") + field + "' is longer than " +
                                        std::to_string(limits.max_name_bytes) + " bytes");
        out = s;
        return {};
    }
    // An object field; when not required, absent or null → {}.
    checked object(const char* field, json& out, bool required = false) const {
        auto it = obj.find(field);
        if (it == obj.end() || (!required && it->is_null())) {
            if (required) return bad_field(field, std::string("missing field '") + field + "'");
            out = json::object();
            return {};
        }
        if (!it->is_object())
            return bad_field(field, std::string("field '") + field + "' must be an object, got " + type_name(*it));
        out = *it;
        return {};
    }
    // `throttle`: absent or null → nullopt, else a duration string within the throttle bounds.
    checked throttle(std::optional<std::int64_t>& out) const {
        auto it = obj.find("throttle");
        if (it == obj.end() || it->is_null()) return {};
        if (!it->is_string())
            return bad_field("throttle", "field 'throttle' must be a duration string like \"250ms\", got " +
                                             std::string(type_name(*it)));
        auto ms = parse_throttle(it->get_ref<const std::string&>().substr(0, 64));
        if (!ms) return bad_field("throttle", "field 'throttle': " + ms.error());
        out = *ms;
        return {};
    }
    // `since`: absent or null → nullopt, else {epoch, seq} and nothing more.
    checked since(std::optional<stream_position>& out) const {
        auto it = obj.find("since");
        if (it == obj.end() || it->is_null()) return {};
        if (!it->is_object())
            return bad_field("since", "field 'since' must be an object {epoch, seq}, got " + std::string(type_name(*it)));
        for (auto f = it->begin(); f != it->end(); ++f)
            if (f.key() != "epoch" && f.key() != "seq")
                return bad_field("since." + f.key(), "unknown field 'since." + f.key() + "'");
        auto ep = it->find("epoch");
        auto sq = it->find("seq");
        if (ep == it->end()) return bad_field("since.epoch", "missing field 'since.epoch'");
        if (!ep->is_string())
            return bad_field("since.epoch", "field 'since.epoch' must be a string, got " + std::string(type_name(*ep)));
        if (ep->get_ref<const std::string&>().size() > limits.max_name_bytes)
            return bad_field("since.epoch", "field 'since.epoch' is too long");
        if (sq == it->end()) return bad_field("since.seq", "missing field 'since.seq'");
        if (!sq->is_number_unsigned() && !(sq->is_number_integer() && sq->get<std::int64_t>() >= 0))
            return bad_field("since.seq", "field 'since.seq' must be a non-negative integer, got " + std::string(type_name(*sq)));
        out = stream_position{ep->get<std::string>(), sq->get<std::uint64_t>()};
        return {};
    }
};

result<subscribe_msg, protocol_error> read_subscribe(const reader& r) {
    subscribe_msg m;
    checked c = r.check_known({"subscription", "filter", "since", "sid", "throttle"});
    if (c) c = r.name("subscription", m.subscription);
    if (c) c = r.name("sid", m.sid, /*required=*/false);
    if (c) c = r.object("filter", m.filter);
    if (c) c = r.since(m.since);
    if (c) c = r.throttle(m.throttle_ms);
    if (!c) return make_unexpected(std::move(c.error()));
    return m;
}

result<unsubscribe_msg, protocol_error> read_unsubscribe(const reader& r) {
    unsubscribe_msg m;
    checked c = r.check_known({"subscription", "sid"});
    if (c) c = r.name("sid", m.sid, /*required=*/false);
    if (c) c = r.name("subscription", m.subscription, /*required=*/m.sid.empty());
    if (!c) {
        protocol_error e = std::move(c.error());
        if (m.sid.empty() && e.message.rfind("missing", 0) == 0) e.message += " (or 'sid')";
        return make_unexpected(std::move(e));
    }
    return m;
}

result<publish_msg, protocol_error> read_publish(const reader& r) {
    publish_msg m;
    std::string op;
    checked c = r.check_known({"entity", "operation", "data"});
    if (c) c = r.name("entity", m.entity);
    if (c) c = r.name("operation", op);
    if (c) {
        if (auto parsed = operation_from_wire(op)) m.op = *parsed;
        else c = bad_field("operation", "field 'operation' must be insert, update or delete, got '" + op + "'");
    }
    if (c) c = r.object("data", m.data, /*required=*/true);
    if (c && m.op != operation::insert) {
        auto id = m.data.find("id");
        if (id == m.data.end()) c = bad_field("data.id", "field 'data.id' is required for " + op);
        else if (!id->is_string()) c = bad_field("data.id", std::string("field 'data.id' must be a string, got ") + type_name(*id));
    }
    if (!c) return make_unexpected(std::move(c.error()));
    return m;
}

result<presence_msg, protocol_error> read_presence(const reader& r) {
    presence_msg m;
    std::string action;
    checked c = r.check_known({"action", "resource", "meta"});
    if (c) c = r.name("action", action);
    if (c) {
        if (action == "join") m.action = presence_action::join;
        else if (action == "leave") m.action = presence_action::leave;
        else c = bad_field("action", "field 'action' must be join or leave, got '" + action + "'");
    }
    if (c) c = r.name("resource", m.resource);
    if (c) c = r.object("meta", m.meta);
    if (!c) return make_unexpected(std::move(c.error()));
    return m;
}

result<ping_msg, protocol_error> read_ping(const reader& r) {
    ping_msg m;
    if (checked c = r.check_known({"timestamp"}); !c) return make_unexpected(std::move(c.error()));
    auto ts = r.obj.find("timestamp");
    if (ts == r.obj.end()) return m;
    if (!ts->is_number_integer() && !ts->is_number_unsigned())
        return bad_field("timestamp", std::string("field 'timestamp' must be an integer, got ") + type_name(*ts));
    // Echoed exactly, so it must fit the signed 64-bit field it is carried in (2^64-1 once came back as -1).
    if (ts->is_number_unsigned() &&
        ts->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return bad_field("timestamp", "field 'timestamp' must be a signed 64-bit integer (at most 9223372036854775807)");
    m.timestamp = ts->get<std::int64_t>();
    return m;
}

result<refresh_msg, protocol_error> read_refresh(const reader& r) {
    refresh_msg m;
    if (checked c = r.check_known({"token"}); !c) return make_unexpected(std::move(c.error()));
    auto t = r.obj.find("token");
    if (t == r.obj.end()) return bad_field("token", "missing field 'token'");
    if (!t->is_string()) return bad_field("token", std::string("field 'token' must be a string, got ") + type_name(*t));
    const auto& s = t->get_ref<const std::string&>();
    if (s.empty()) return bad_field("token", "field 'token' must not be empty");
    if (s.size() > r.limits.max_token_bytes)
        return bad_field("token", "field 'token' is longer than " + std::to_string(r.limits.max_token_bytes) + " bytes");
    m.token = s;
    return m;
}

// Reads the body with `read` into `out.body`, or the decode error carrying the client's id.
template <class Read>
result<client_message, decode_error> read_body(client_message& out, const reader& r, Read read) {
    auto m = read(r);
    if (!m) return err{decode_error{std::move(m.error()), out.id}};
    out.body = std::move(*m);
    return std::move(out);
}

}  // namespace

std::string_view to_wire(operation op) {
    switch (op) {
        case operation::insert: return "insert";
        case operation::update: return "update";
        case operation::remove: return "delete";
    }
    return "insert";
}

std::optional<operation> operation_from_wire(std::string_view s) {
    if (s == "insert") return operation::insert;
    if (s == "update") return operation::update;
    if (s == "delete") return operation::remove;
    return std::nullopt;
}

result<client_message, decode_error> decode_client(std::string_view text, const decode_limits& limits) {
    if (text.size() > limits.max_message_bytes)
        return err{bad("message is " + std::to_string(text.size()) + " bytes; the limit is " +
                       std::to_string(limits.max_message_bytes))};
    shape_checker checker(limits.max_depth);
    if (!json::sax_parse(text, &checker)) {
        if (checker.too_deep)
            return err{bad("message nests deeper than " + std::to_string(limits.max_depth) + " levels")};
        return err{bad(checker.error.empty() ? "not valid JSON" : checker.error)};
    }
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return err{bad("not valid JSON")};
    if (!doc.is_object()) return err{bad(std::string("message must be a JSON object, got ") + type_name(doc))};

    client_message out;
    if (auto id = doc.find("id"); id != doc.end()) {
        if (!id->is_string() && !id->is_number_integer() && !id->is_number_unsigned())
            return err{bad(std::string("field 'id' must be a string or an integer, got ") + type_name(*id), nullptr, "id")};
        if (id->is_string() && id->get_ref<const std::string&>().size() > limits.max_name_bytes)
            return err{bad("field 'id' is longer than " + std::to_string(limits.max_name_bytes) + " bytes", nullptr, "id")};
        out.id = *id;
    }
    auto type_it = doc.find("type");
    if (type_it == doc.end()) return err{bad("missing field 'type'", out.id, "type")};
    if (!type_it->is_string())
        return err{bad(std::string("field 'type' must be a string, got ") + type_name(*type_it), out.id, "type")};
    const std::string& type = type_it->get_ref<const std::string&>();
    reader r{doc, type, limits};

    if (type == "subscribe") return read_body(out, r, read_subscribe);
    if (type == "unsubscribe") return read_body(out, r, read_unsubscribe);
    if (type == "publish") return read_body(out, r, read_publish);
    if (type == "presence") return read_body(out, r, read_presence);
    if (type == "ping") return read_body(out, r, read_ping);
    if (type == "refresh") return read_body(out, r, read_refresh);
    return err{bad("unknown type '" + type.substr(0, 64) + "' (expected subscribe, unsubscribe, publish, presence, ping or refresh)",
                   out.id, "type")};
}

std::string encode_client(const client_message& m) {
    // Fields in a fixed order, "id" and "type" first, as docs/protocol.md writes them; nested
    // values (filter, data, meta) keep their own (sorted) order.
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!m.id.is_null()) j["id"] = m.id;
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, subscribe_msg>) {
                j["type"] = "subscribe";
                j["subscription"] = b.subscription;
                if (!b.sid.empty()) j["sid"] = b.sid;
                if (!b.filter.empty()) j["filter"] = b.filter;
                if (b.since) j["since"] = {{"epoch", b.since->epoch}, {"seq", b.since->seq}};
                if (b.throttle_ms) j["throttle"] = format_duration(std::chrono::milliseconds(*b.throttle_ms));
            } else if constexpr (std::is_same_v<T, unsubscribe_msg>) {
                j["type"] = "unsubscribe";
                if (!b.subscription.empty()) j["subscription"] = b.subscription;
                if (!b.sid.empty()) j["sid"] = b.sid;
            } else if constexpr (std::is_same_v<T, publish_msg>) {
                j["type"] = "publish";
                j["entity"] = b.entity;
                j["operation"] = std::string(to_wire(b.op));
                j["data"] = b.data;
            } else if constexpr (std::is_same_v<T, presence_msg>) {
                j["type"] = "presence";
                j["action"] = b.action == presence_action::join ? "join" : "leave";
                j["resource"] = b.resource;
                if (!b.meta.empty()) j["meta"] = b.meta;
            } else if constexpr (std::is_same_v<T, ping_msg>) {
                j["type"] = "ping";
                j["timestamp"] = b.timestamp;
            } else {
                static_assert(std::is_same_v<T, refresh_msg>);
                j["type"] = "refresh";
                j["token"] = b.token;
            }
        },
        m.body);
    return j.dump();
}

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
}  // namespace

std::string encode_event(std::string_view subscription, operation op, std::string_view data_json,
                         const stream_position& pos, std::int64_t ts_ms, std::string_view sid) {
    std::string out;
    // Fixed text (~87 bytes) + two numbers (<= 40) + the variable parts: one allocation, no slack
    // beyond escapes (frames are kept in replay buffers, so capacity is memory).
    out.reserve(136 + subscription.size() + data_json.size() + pos.epoch.size() + (sid.empty() ? 0 : sid.size() + 9));
    out += k_event_prefix;
    if (!sid.empty()) {
        out += "\"sid\":";
        append_json_string(out, sid);
        out.push_back(',');
    }
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

std::string event_with_sid(std::string_view frame, std::string_view sid) {
    if (sid.empty() || frame.substr(0, k_event_prefix.size()) != k_event_prefix) return std::string(frame);
    std::string out;
    out.reserve(frame.size() + sid.size() + 9);
    out += k_event_prefix;
    out += "\"sid\":";
    append_json_string(out, sid);
    out.push_back(',');
    out += frame.substr(k_event_prefix.size());
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
    if (!m.recovered) {
        out += ",\"initial\":";
        out += m.initial.dump();
    }
    out.push_back('}');
    return out;
}

std::string encode_unsubscribed(const json& id, std::string_view subscription, std::string_view sid) {
    std::string out = "{";
    append_id(out, id);
    out += "\"type\":\"unsubscribed\",\"subscription\":";
    append_json_string(out, subscription);
    if (!sid.empty()) {
        out += ",\"sid\":";
        append_json_string(out, sid);
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

std::string encode_server(const server_message& m) {
    return std::visit(
        [&](const auto& b) -> std::string {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, subscribed_msg>) return encode_subscribed(m.id, b);
            else if constexpr (std::is_same_v<T, event_msg>)
                return encode_event(b.subscription, b.op, b.data.dump(), b.position, b.ts_ms, b.sid);
            else if constexpr (std::is_same_v<T, unsubscribed_msg>)
                return encode_unsubscribed(m.id, b.subscription, b.sid);
            else if constexpr (std::is_same_v<T, published_msg>) return encode_published(m.id, b.entity, b.data);
            else if constexpr (std::is_same_v<T, presence_state_msg>) return encode_presence(b);
            else if constexpr (std::is_same_v<T, pong_msg>) return encode_pong(m.id, b.timestamp);
            else if constexpr (std::is_same_v<T, refreshed_msg>) return encode_refreshed(m.id, b.exp);
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
    static const char* const known[] = {"event", "subscribed", "unsubscribed", "published", "presence", "pong", "error", "refreshed"};
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
        out.body = std::move(m);
    } else if (type == "unsubscribed") {
        auto sub = str_field(doc, "subscription");
        if (!sub) return malformed();
        out.body = unsubscribed_msg{std::move(*sub), optional_str(doc, "sid")};
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
