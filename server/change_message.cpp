#include "server/change_message.hpp"

#include <charconv>

namespace rt::server {

using json = nlohmann::json;

std::string encode_change_body(const std::string& entity, const std::string& id, std::string_view before_json,
                               std::string_view after_json, std::int64_t ts_ms, const std::vector<change_slot>& slots) {
    std::string out = "{\"e\":" + json(entity).dump() + ",\"i\":" + json(id).dump() + ",\"b\":";
    out += before_json.empty() ? std::string_view("null") : before_json;
    out += ",\"a\":";
    out += after_json.empty() ? std::string_view("null") : after_json;
    out += ",\"t\":" + std::to_string(ts_ms) + ",\"k\":[";
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (i) out += ',';
        out += "[" + json(slots[i].stream_key).dump(-1, ' ', false, json::error_handler_t::replace) + ",\"" +
               std::string(proto::to_wire(slots[i].op)) + "\"]";
    }
    out += "]}";
    return out;
}

namespace {

bool change_parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// The next '|'-terminated field of `text` from `at`; false when there is no '|'.
bool change_next_field(std::string_view text, std::size_t& at, std::string_view& field) {
    std::size_t bar = text.find('|', at);
    if (bar == std::string_view::npos) return false;
    field = text.substr(at, bar - at);
    at = bar + 1;
    return true;
}

}  // namespace

std::optional<std::pair<std::uint64_t, std::string>> change_message_order(std::string_view text) {
    std::size_t at = 0;
    std::string_view g, epoch;
    std::uint64_t n = 0;
    if (!change_next_field(text, at, g) || !change_next_field(text, at, epoch) || !change_parse_u64(g, n)) return std::nullopt;
    return std::make_pair(n, std::string(epoch));
}

result<change_message, std::string> decode_change_message(std::string_view text) {
    using R = result<change_message, std::string>;
    auto bad = [](const std::string& why) { return R(make_unexpected("change message: " + why)); };
    change_message m;
    std::size_t at = 0;
    std::string_view g, epoch, assigned;
    if (!change_next_field(text, at, g) || !change_next_field(text, at, epoch) || !change_next_field(text, at, assigned))
        return bad("no G|EPOCH|ASSIGNED| header");
    if (!change_parse_u64(g, m.g) || m.g == 0) return bad("G is not a positive number");
    m.log_epoch = std::string(epoch);
    json body = json::parse(text.substr(at), nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad("the body is not a JSON object");
    auto e = body.find("e"), i = body.find("i"), b = body.find("b"), a = body.find("a"), t = body.find("t"), k = body.find("k");
    if (e == body.end() || !e->is_string() || i == body.end() || !i->is_string() || b == body.end() || a == body.end() ||
        t == body.end() || !t->is_number_integer() || k == body.end() || !k->is_array())
        return bad("the body lacks e, i, b, a, t or k");
    m.entity = e->get<std::string>();
    m.id = i->get<std::string>();
    if (!b->is_null()) {
        m.before = *b;
        m.before_json = b->dump();
    }
    if (!a->is_null()) {
        m.after = *a;
        m.after_json = a->dump();
    }
    m.ts_ms = t->get<std::int64_t>();
    for (const auto& s : *k) {
        if (!s.is_array() || s.size() != 2 || !s[0].is_string() || !s[1].is_string()) return bad("a slot is not [key, op]");
        auto op = proto::operation_from_wire(s[1].get<std::string>());
        if (!op) return bad("a slot's operation is unknown");
        m.slots.push_back({s[0].get<std::string>(), *op});
    }
    // ASSIGNED: one item per slot ("" when there are none).
    std::vector<std::string_view> items;
    for (std::size_t from = 0; !assigned.empty();) {
        std::size_t comma = assigned.find(',', from);
        items.push_back(assigned.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
        if (comma == std::string_view::npos) break;
        from = comma + 1;
    }
    if (items.size() != m.slots.size()) return bad("ASSIGNED does not have one item per slot");
    for (std::string_view item : items) {
        slot_position p;
        if (item != "-") {
            std::size_t colon = item.find(':');
            if (colon == std::string_view::npos || colon == 0 || !change_parse_u64(item.substr(colon + 1), p.pos.seq) || p.pos.seq == 0)
                return bad("an assigned position is not EPOCH:SEQ or -");
            p.present = true;
            p.pos.epoch = std::string(item.substr(0, colon));
        }
        m.assigned.push_back(std::move(p));
    }
    return m;
}

}  // namespace rt::server
