// restore_streams: streams a durable store kept across a restart, recreated (pure: no database).
#include <catch2/catch.hpp>

#include "server/stream_restore.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::server;

namespace {

store::stored_stream srs_record(std::string key, std::uint64_t top, std::initializer_list<std::uint64_t> seqs) {
    store::stored_stream s{std::move(key), "ep", top, {}};
    for (auto q : seqs) s.events.push_back({s.key, "ep", q, 500, "frame" + std::to_string(q)});
    return s;
}

}  // namespace

TEST_CASE("restore_streams: a stored stream comes back idle with its filter, position and events", "[stream_restore]") {
    std::vector<store::stored_stream> stored;
    stored.push_back(srs_record(std::string("TeamQueue\x1f") + R"({"team":"billing"})", 3, {2, 3}));
    auto streams = restore_streams(rt::test::helpdesk_app(), std::move(stored), rt::proto::replay_limits{}, 1234);
    REQUIRE(streams.size() == 1);
    const stream& st = *streams[0];
    CHECK(st.sub->name == "TeamQueue");
    CHECK(st.filter == nlohmann::json{{"team", "billing"}});
    CHECK(st.filter_keys == std::vector<std::string>{"team"});
    CHECK(st.history.position() == rt::proto::stream_position{"ep", 3});
    REQUIRE(st.history.buffered() == 2);
    CHECK(*st.history.events().back().frame == "frame3");
    CHECK(st.idle());
    CHECK(st.idle_since_ms == 1234);
}

TEST_CASE("restore_streams: records the spec no longer fits are skipped", "[stream_restore]") {
    std::vector<store::stored_stream> stored;
    stored.push_back(srs_record(std::string("Gone\x1f{}"), 1, {}));              // no such subscription now
    stored.push_back(srs_record(std::string("TicketAudit\x1f[1]"), 1, {}));      // not an object filter
    stored.push_back(srs_record(std::string("TicketAudit\x1f{"), 1, {}));        // not JSON
    stored.push_back(srs_record(std::string("TicketAudit"), 1, {}));             // no separator
    stored.push_back(srs_record(std::string("TicketAudit\x1f{}"), 1, {1}));
    auto streams = restore_streams(rt::test::helpdesk_app(), std::move(stored), rt::proto::replay_limits{}, 0);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0]->sub->name == "TicketAudit");
    CHECK(streams[0]->history.buffered() == 1);
}
