// stream_index: which streams a row change may touch, by lookup (pure: no hub, no I/O).
#include <algorithm>
#include <deque>

#include <catch2/catch.hpp>

#include "server/stream_index.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::server;
using json = nlohmann::json;

namespace {

// Streams live here so the index's pointers stay valid for the test.
struct sidx_streams {
    const rt::spec::app& app = rt::test::helpdesk_app();
    std::deque<stream> all;
    stream_index index{app};

    stream& add(const char* sub, const json& filter) {
        const rt::spec::subscription* s = app.find_subscription(sub);
        REQUIRE(s);
        all.push_back(stream{sub, s, canonical_filter(app, *s, filter), {}, rt::proto::stream_history("e", 0, {}), {}, {}, 0});
        stream& st = all.back();
        for (auto it = st.filter.begin(); it != st.filter.end(); ++it) st.filter_keys.push_back(it.key());
        index.add(st);
        return st;
    }
    std::vector<stream*> find(const json* before, const json* after) const {
        return index.candidates(*app.find_entity("Ticket"), before, after);
    }
};

bool sidx_has(const std::vector<stream*>& v, const stream& st) {
    return std::count(v.begin(), v.end(), &st) == 1;
}

}  // namespace

TEST_CASE("stream_index: a change finds the streams its row matches before and after, of its entity only", "[stream_index]") {
    sidx_streams s;
    stream& billing = s.add("TeamQueue", {{"team", "billing"}});
    stream& sales = s.add("TeamQueue", {{"team", "sales"}});
    stream& support = s.add("TeamQueue", {{"team", "support"}});
    stream& mine = s.add("MyTickets", {{"assignee", "a-17"}});
    stream& audit = s.add("TicketAudit", json::object());
    stream& roster = s.add("Roster", {{"team", "billing"}});  // an Agent subscription
    CHECK(s.index.size() == 6);

    json before = {{"id", "t1"}, {"team", "billing"}, {"status", "new"}};
    json after = {{"id", "t1"}, {"team", "sales"}, {"status", "new"}};
    auto moved = s.find(&before, &after);
    CHECK(moved.size() == 3);
    CHECK(sidx_has(moved, billing));
    CHECK(sidx_has(moved, sales));
    CHECK(sidx_has(moved, audit));
    CHECK_FALSE(sidx_has(moved, support));
    CHECK_FALSE(sidx_has(moved, mine));
    CHECK_FALSE(sidx_has(moved, roster));

    auto inserted = s.find(nullptr, &after);
    CHECK(inserted.size() == 2);
    CHECK(sidx_has(inserted, sales));
    CHECK(sidx_has(inserted, audit));
    auto deleted = s.find(&before, nullptr);
    CHECK(deleted.size() == 2);
    CHECK(sidx_has(deleted, billing));
}

TEST_CASE("stream_index: a stream the row stays in is listed once", "[stream_index]") {
    sidx_streams s;
    stream& billing = s.add("TeamQueue", {{"team", "billing"}});
    json before = {{"id", "t1"}, {"team", "billing"}, {"status", "new"}};
    json after = {{"id", "t1"}, {"team", "billing"}, {"status", "open"}};
    auto found = s.find(&before, &after);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == &billing);
}

TEST_CASE("stream_index: numbers meet across int and float, and a missing attribute is null", "[stream_index]") {
    sidx_streams s;
    stream& four = s.add("Escalations", {{"sla_hours", 4.0}});  // an int attribute: the filter's 4.0 is 4
    stream& nobody = s.add("Triage", {{"assignee", nullptr}});
    CHECK(four.filter.dump() == R"({"sla_hours":4})");

    json row = {{"id", "t1"}, {"sla_hours", 4}, {"status", "new"}};  // no assignee at all
    auto found = s.find(nullptr, &row);
    CHECK(sidx_has(found, four));
    CHECK(sidx_has(found, nobody));

    json taken = {{"id", "t1"}, {"sla_hours", 5}, {"assignee", "a-1"}};
    CHECK(s.find(nullptr, &taken).empty());
}

TEST_CASE("stream_index: a removed stream is no longer found, and removing twice is harmless", "[stream_index]") {
    sidx_streams s;
    stream& billing = s.add("TeamQueue", {{"team", "billing"}});
    stream& audit = s.add("TicketAudit", json::object());
    json row = {{"id", "t1"}, {"team", "billing"}};
    REQUIRE(s.find(nullptr, &row).size() == 2);

    s.index.remove(billing);
    CHECK(s.index.size() == 1);
    auto found = s.find(nullptr, &row);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == &audit);
    s.index.remove(billing);
    CHECK(s.index.size() == 1);
    s.index.remove(audit);
    CHECK(s.index.size() == 0);
    CHECK(s.find(nullptr, &row).empty());
}

TEST_CASE("stream_index: canonical_filter normalizes numbers to the attribute's type and keeps other values", "[stream_index]") {
    const auto& app = rt::test::helpdesk_app();
    const auto* esc = app.find_subscription("Escalations");
    REQUIRE(esc);
    CHECK(canonical_filter(app, *esc, {{"sla_hours", 2.0}, {"csat", 4}}).dump() == R"({"csat":4.0,"sla_hours":2})");
    CHECK(canonical_filter(app, *esc, {{"team", "b"}, {"escalated", true}}).dump() == R"({"escalated":true,"team":"b"})");
    CHECK(canonical_filter(app, *esc, json::array()).dump() == "{}");
}

TEST_CASE("stream_index: canonical_filter sorts and deduplicates sets, and a one-value set is its value", "[stream_index]") {
    const auto& app = rt::test::helpdesk_app();
    const auto* audit = app.find_subscription("TicketAudit");
    REQUIRE(audit);
    CHECK(canonical_filter(app, *audit, {{"status", {"open", "new", "open"}}}).dump() == R"({"status":["new","open"]})");
    CHECK(canonical_filter(app, *audit, {{"status", {"new", "open"}}}) == canonical_filter(app, *audit, {{"status", {"open", "new"}}}));
    CHECK(canonical_filter(app, *audit, {{"team", {"b1"}}}).dump() == R"({"team":"b1"})");
    CHECK(canonical_filter(app, *audit, {{"sla_hours", {4.0, 2, 4}}}).dump() == R"({"sla_hours":[2,4]})");
    CHECK(canonical_filter(app, *audit, {{"team", "team-a/*"}}).dump() == R"({"team":"team-a/*"})");
}

TEST_CASE("stream_index: set and prefix streams are found by the values a change has before and after", "[stream_index]") {
    sidx_streams s;
    stream& active = s.add("TicketAudit", {{"status", {"new", "open"}}});
    stream& other = s.add("TicketAudit", {{"status", {"open", "pending"}}});
    stream& team_a = s.add("TicketAudit", {{"team", "team-a/*"}});
    stream& team_a_open = s.add("TicketAudit", {{"team", "team-a/*"}, {"status", {"new", "open"}}});
    stream& exact = s.add("TicketAudit", {{"team", "team-a/x"}});
    stream& star = s.add("TicketAudit", {{"team", "a\\*"}});  // the literal value a*
    CHECK(s.index.size() == 6);

    json before = {{"id", "t1"}, {"team", "team-a/x"}, {"status", "new"}};
    json after = {{"id", "t1"}, {"team", "team-b/y"}, {"status", "pending"}};
    auto moved = s.find(&before, &after);
    CHECK(moved.size() == 5);  // each once, though `other` and `active` each match through one value
    for (stream* st : {&active, &other, &team_a, &team_a_open, &exact}) CHECK(sidx_has(moved, *st));
    CHECK_FALSE(sidx_has(moved, star));

    json literal = {{"id", "t2"}, {"team", "a*"}, {"status", "closed"}};
    auto found = s.find(nullptr, &literal);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == &star);

    s.index.remove(active);
    s.index.remove(team_a_open);
    auto after_removal = s.find(&before, nullptr);
    CHECK(after_removal.size() == 2);
    CHECK(sidx_has(after_removal, team_a));
    CHECK(sidx_has(after_removal, exact));
}

TEST_CASE("stream_index: with 10000 prefix and set streams a change costs lookups by its values' length, not by streams", "[stream_index]") {
    sidx_streams s;
    std::vector<stream*> prefixes, sets;
    for (int i = 0; i < 5000; ++i) {
        std::string n = std::to_string(10000 + i);
        prefixes.push_back(&s.add("TicketAudit", {{"team", "team-" + n + "/*"}}));
        sets.push_back(&s.add("TeamQueue", {{"customer", {"c-" + n, "c-" + std::to_string(20000 + i)}}}));
    }
    REQUIRE(s.index.size() == 10000);
    json row = {{"id", "t1"}, {"team", "team-10042/x"}, {"customer", "c-20042"}, {"status", "open"}};
    const std::size_t before = s.index.probes();
    auto found = s.find(nullptr, &row);
    const std::size_t probes = s.index.probes() - before;
    CHECK(found.size() == 2);
    CHECK(sidx_has(found, *prefixes[42]));
    CHECK(sidx_has(found, *sets[42]));
    // One lookup per prefix of "team-10042/x" ("" to the whole: 13), one for the set group.
    CHECK(probes == 14);
}
