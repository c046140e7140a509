#include "check/error_reply.hpp"

#include "check/case_outcome.hpp"

namespace rt::check {

using nlohmann::json;

json expect_refusal(check_peer& p, const json& id, const std::string& code) {
    const json e = p.reply(id);
    if (e.value("type", "") != "error" || e.value("code", "") != code)
        fail(p.name() + ": expected error " + code + " in reply to id " + id.dump() + "; got " + e.dump());
    p.sync();
    return e;
}

json expect_idless_refusal(check_peer& p, const std::string& code) {
    const json e = p.next_of("error");
    if (e.value("code", "") != code) fail(p.name() + ": expected error " + code + "; got " + e.dump());
    if (e.contains("id") && !e["id"].is_null()) fail(p.name() + ": this " + code + " cannot carry an id (§3 The id echo rule); got " + e.dump());
    p.sync();
    return e;
}

json expect_refusal_maybe_unread(check_peer& p, const json& id, const std::string& code) {
    const json e = p.expect(
        [&](const json& m) { return (m.contains("id") && m["id"] == id) || (m.value("type", "") == "error" && !m.contains("id")); },
        "the reply with id " + id.dump() + " (or an error without id)");
    if (e.value("type", "") != "error" || e.value("code", "") != code)
        fail(p.name() + ": expected error " + code + " in reply to id " + id.dump() + "; got " + e.dump());
    p.sync();
    return e;
}

void expect_not_subscribed(case_context& c, check_peer& p, const std::string& value) {
    c.insert(c.publisher(), c.make_row(value, "in the stream of a refused subscribe"));
    p.sync();
    p.expect_none([](const json& m) { return m.value("type", "") == "event"; }, "event: the refused subscribe must not have subscribed", ms(0));
}

void require_names_field(const json& error, const std::string& field) {
    if (error.value("message", "").find(field) == std::string::npos)
        fail("the error's message does not name the field '" + field + "': " + error.dump());
}

}  // namespace rt::check
