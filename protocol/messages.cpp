// Client → server messages: decode_client (the server) and encode_client (clients). The server →
// client half is messages_server.cpp.
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
    // An optional boolean field: absent or null → false.
    checked flag(const char* field, bool& out) const {
        auto it = obj.find(field);
        if (it == obj.end() || it->is_null()) return {};
        if (!it->is_boolean())
            return bad_field(field, std::string("field '") + field + "' must be true or false, got " + type_name(*it));
        out = it->get<bool>();
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
    checked c = r.check_known({"subscription", "filter", "since", "sid", "throttle", "batch"});
    if (c) c = r.name("subscription", m.subscription);
    if (c) c = r.name("sid", m.sid, /*required=*/false);
    if (c) c = r.object("filter", m.filter);
    if (c) c = r.since(m.since);
    if (c) c = r.throttle(m.throttle_ms);
    if (c) c = r.flag("batch", m.batch);
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
                if (b.batch) j["batch"] = true;
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

}  // namespace rt::proto
