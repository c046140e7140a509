#include "protocol/worker_messages.hpp"

namespace rt::proto {

namespace {

using json = nlohmann::json;

std::string wm_line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

worker_line_error wm_bad(std::string what) { return {false, std::move(what)}; }

// The object and its "type", or the error (stray when the line is no message at all).
result<std::pair<json, std::string>, worker_line_error> wm_parse(std::string_view line) {
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded()) return make_unexpected(worker_line_error{true, "not JSON"});
    if (!j.is_object()) return make_unexpected(worker_line_error{true, "not a JSON object"});
    const auto t = j.find("type");
    if (t == j.end() || !t->is_string()) return make_unexpected(worker_line_error{true, "no string \"type\""});
    std::string type = t->get<std::string>();
    return std::make_pair(std::move(j), std::move(type));
}

result<std::string, worker_line_error> wm_string(const json& j, const char* field, const std::string& type,
                                                 bool non_empty) {
    const auto f = j.find(field);
    if (f == j.end() || !f->is_string())
        return make_unexpected(wm_bad("'" + type + "' message: \"" + field + "\" missing or not a string"));
    std::string s = f->get<std::string>();
    if (non_empty && s.empty()) return make_unexpected(wm_bad("'" + type + "' message: \"" + field + "\" is empty"));
    return s;
}

result<json, worker_line_error> wm_object(const json& j, const char* field, const std::string& type) {
    const auto f = j.find(field);
    if (f == j.end() || !f->is_object())
        return make_unexpected(wm_bad("'" + type + "' message: \"" + field + "\" missing or not an object"));
    return *f;
}

}  // namespace

std::string encode_worker_message(const worker_message& m) {
    if (const auto* a = std::get_if<worker_arrived>(&m)) return wm_line({{"type", a->phase}, {"payload", a->payload}});
    if (const auto* r = std::get_if<worker_result>(&m)) return wm_line({{"type", "result"}, {"report", r->report}});
    return wm_line({{"type", "error"}, {"message", std::get<worker_error>(m).message}});
}

std::string encode_parent_message(const parent_message& m) {
    if (const auto* g = std::get_if<parent_go>(&m))
        return wm_line({{"type", "go"}, {"phase", g->phase}, {"payload", g->payload}});
    if (std::holds_alternative<parent_interrupt>(m)) return wm_line({{"type", "interrupt"}});
    return wm_line({{"type", "abort"}, {"message", std::get<parent_abort>(m).message}});
}

result<worker_message, worker_line_error> decode_worker_message(std::string_view line) {
    auto p = wm_parse(line);
    if (!p) return make_unexpected(p.error());
    const auto& [j, type] = *p;
    if (type == "error") {
        auto msg = wm_string(j, "message", type, false);
        if (!msg) return make_unexpected(msg.error());
        return worker_message{worker_error{std::move(msg).value()}};
    }
    if (type == "result") {
        auto report = wm_object(j, "report", type);
        if (!report) return make_unexpected(report.error());
        return worker_message{worker_result{std::move(report).value()}};
    }
    if (type.empty()) return make_unexpected(wm_bad("\"type\" is empty"));
    auto payload = wm_object(j, "payload", type);
    if (!payload) return make_unexpected(payload.error());
    return worker_message{worker_arrived{type, std::move(payload).value()}};
}

result<parent_message, worker_line_error> decode_parent_message(std::string_view line) {
    auto p = wm_parse(line);
    if (!p) return make_unexpected(p.error());
    const auto& [j, type] = *p;
    if (type == "interrupt") return parent_message{parent_interrupt{}};
    if (type == "abort") {
        auto msg = wm_string(j, "message", type, false);
        if (!msg) return make_unexpected(msg.error());
        return parent_message{parent_abort{std::move(msg).value()}};
    }
    if (type != "go") return make_unexpected(wm_bad("unknown type '" + type + "'"));
    auto phase = wm_string(j, "phase", type, true);
    if (!phase) return make_unexpected(phase.error());
    auto payload = wm_object(j, "payload", type);
    if (!payload) return make_unexpected(payload.error());
    return parent_message{parent_go{std::move(phase).value(), std::move(payload).value()}};
}

}  // namespace rt::proto
