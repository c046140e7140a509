#include "check/case_checks.hpp"

#include <algorithm>

#include "check/case_outcome.hpp"

namespace rt::check {

using nlohmann::json;

std::uint64_t check_fresh_subscribed(const json& r, const std::string& subscription) {
    if (r.value("subscription", "") != subscription)
        fail("'subscribed' names subscription " + r.value("subscription", std::string("(none)")) + ", not " + subscription + ": " + r.dump());
    if (!r.contains("epoch") || !r["epoch"].is_string() || r["epoch"].get<std::string>().empty())
        fail("'subscribed' has no epoch (a non-empty string): " + r.dump());
    if (!r.contains("seq") || !r["seq"].is_number_unsigned())
        fail("'subscribed' has no seq (an integer ≥ 0): " + r.dump());
    if (!r.contains("recovered") || !r["recovered"].is_boolean() || r["recovered"].get<bool>())
        fail("a subscribe without since must be answered recovered:false: " + r.dump());
    if (!r.contains("initial") || !r["initial"].is_array())
        fail("'subscribed' with recovered:false has no initial array: " + r.dump());
    for (const json& row : r["initial"])
        if (!row.is_object() || !row.contains("id") || !row["id"].is_string())
            fail("initial holds something that is not a row with a string id: " + row.dump());
    return r["seq"].get<std::uint64_t>();
}

void check_event(const json& e, const std::string& subscription, const std::string& operation, const std::string& epoch,
                 std::uint64_t seq) {
    if (e.value("subscription", "") != subscription)
        fail("an event of " + subscription + " names subscription " + e.value("subscription", std::string("(none)")) + ": " + e.dump());
    if (e.value("operation", "") != operation) fail("expected an '" + operation + "' event; got " + e.dump());
    if (!e.contains("epoch") || !e["epoch"].is_string() || e["epoch"] != epoch)
        fail("the event's epoch is not the stream's (" + epoch + "): " + e.dump());
    if (!e.contains("seq") || !e["seq"].is_number_unsigned() || e["seq"].get<std::uint64_t>() != seq)
        fail("expected seq " + std::to_string(seq) + " (one past the stream's previous event); got " + e.dump());
    if (!e.contains("ts") || !e["ts"].is_number_integer()) fail("the event has no integer ts: " + e.dump());
    if (e.contains("id")) fail("an event must not carry an id: " + e.dump());
    if (!e.contains("data") || !e["data"].is_object() || !e["data"].contains("id"))
        fail("the event's data is not a row with an id: " + e.dump());
}

std::vector<std::string> row_ids(const json& rows) {
    std::vector<std::string> ids;
    for (const json& r : rows)
        if (r.is_object() && r.contains("id") && r["id"].is_string()) ids.push_back(r["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void check_same_row(const json& got, const json& want, const std::string& what) {
    if (!got.is_object()) fail(what + " is not a row: " + got.dump());
    json a = got, b = want;
    for (json* r : {&a, &b})
        for (auto it = r->begin(); it != r->end();) {
            if (it->is_null()) it = r->erase(it);  // null and absent both mean unset
            else ++it;
        }
    if (a != b) fail(what + " is " + got.dump() + "; expected " + want.dump());
}

bool is_event_of(const json& m, const std::string& subscription, const std::string& sid) {
    return m.value("type", "") == "event" && m.value("subscription", "") == subscription &&
           (sid.empty() || m.value("sid", "") == sid);
}

}  // namespace rt::check
