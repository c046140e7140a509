#include <catch2/catch.hpp>

#include "chaos/delivery_checker.hpp"
#include "chaos/state_diff.hpp"

using namespace rt::chaos;

namespace {

const char* const board = "TaskUpdates{\"board\":\"b1\"}";

std::vector<published_event> published_1_to(std::uint64_t n, const std::string& stream = board) {
    std::vector<published_event> out;
    for (std::uint64_t s = 1; s <= n; ++s) out.push_back({stream, s, "t" + std::to_string(s) + "@v1"});
    return out;
}

received_event live(std::uint64_t seq, const std::string& stream = board) {
    return {stream, "e1", seq, "t" + std::to_string(seq) + "@v1", delivery_source::live};
}
received_event replay(std::uint64_t seq) {
    return {board, "e1", seq, "t" + std::to_string(seq) + "@v1", delivery_source::replay};
}
received_event snapshot(std::uint64_t seq, const std::string& epoch = "e1") {
    return {board, epoch, seq, "", delivery_source::snapshot};
}

subscriber_history history(std::vector<received_event> events) {
    return subscriber_history{"s1", {}, std::move(events)};
}

}  // namespace

TEST_CASE("checker accepts a clean history", "[chaos][checker]") {
    auto r = check_subscriber(published_1_to(5), history({snapshot(0), live(1), live(2), live(3), live(4), live(5)}));
    CHECK(r.ok());
    CHECK(r.counts.received == 5);
    CHECK(r.counts.live == 5);
    CHECK(r.examples.empty());
}

TEST_CASE("checker accepts a resume with replay", "[chaos][checker]") {
    auto r = check_subscriber(published_1_to(5),
                              history({snapshot(0), live(1), live(2), replay(3), replay(4), live(5)}));
    CHECK(r.ok());
    CHECK(r.counts.replayed == 2);
}

TEST_CASE("checker accepts a clean resync from snapshot", "[chaos][checker]") {
    // Got 1 and 2, missed 3..6 during a partition, resynced at 6 (maybe a new epoch), then 7, 8.
    auto r = check_subscriber(published_1_to(8),
                              history({snapshot(0), live(1), live(2), snapshot(6, "e2"), {board, "e2", 7, "t7@v1", delivery_source::live},
                                       {board, "e2", 8, "t8@v1", delivery_source::live}}));
    CHECK(r.ok());
    CHECK(r.counts.resyncs == 1);
    // A subscriber that joined late is responsible only for what follows its first snapshot.
    auto late = check_subscriber(published_1_to(8), history({snapshot(6), live(7), live(8)}));
    CHECK(late.ok());
    CHECK(late.counts.resyncs == 0);
}

TEST_CASE("checker catches a loss", "[chaos][checker]") {
    auto r = check_subscriber(published_1_to(5), history({snapshot(0), live(1), live(2), live(4), live(5)}));
    CHECK_FALSE(r.ok());
    CHECK(r.counts.lost == 1);
    REQUIRE(r.examples.size() == 1);
    CHECK(r.examples[0].kind == "lost");
    CHECK(r.examples[0].seq == 3);

    // Missing tail events are lost too.
    auto tail = check_subscriber(published_1_to(5), history({snapshot(0), live(1), live(2)}));
    CHECK(tail.counts.lost == 3);

    // A hole jumped over stays lost even when a later snapshot covers it.
    auto skipped = check_subscriber(published_1_to(6), history({snapshot(0), live(1), live(3), snapshot(5), live(6)}));
    CHECK(skipped.counts.lost == 1);
    CHECK(skipped.examples.at(0).seq == 2);
}

TEST_CASE("checker catches a duplicate", "[chaos][checker]") {
    auto r = check_subscriber(published_1_to(3), history({snapshot(0), live(1), live(2), replay(2), live(3)}));
    CHECK(r.counts.duplicated == 1);
    CHECK(r.counts.violations() == 1);
    CHECK(r.examples.at(0).kind == "duplicated");
    CHECK(r.examples.at(0).seq == 2);
    // An event already covered by a snapshot is a duplicate too.
    auto after_snapshot = check_subscriber(published_1_to(4), history({snapshot(3), live(3), live(4)}));
    CHECK(after_snapshot.counts.duplicated == 1);
}

TEST_CASE("checker catches a reorder", "[chaos][checker]") {
    auto r = check_subscriber(published_1_to(4), history({snapshot(0), live(1), live(3), live(2), live(4)}));
    CHECK(r.counts.out_of_order == 1);
    CHECK(r.counts.lost == 0);
    CHECK(r.counts.duplicated == 0);
    CHECK(r.examples.at(0).kind == "out_of_order");
    CHECK(r.examples.at(0).seq == 2);
}

TEST_CASE("checker catches unexpected events", "[chaos][checker]") {
    SECTION("seq never published") {
        auto r = check_subscriber(published_1_to(2), history({snapshot(0), live(1), live(2), live(9)}));
        CHECK(r.counts.unexpected == 1);
        CHECK(r.examples.at(0).seq == 9);
    }
    SECTION("key differs from the published one") {
        auto ev = live(2);
        ev.key = "t99@v7";
        auto r = check_subscriber(published_1_to(2), history({snapshot(0), live(1), ev}));
        CHECK(r.counts.unexpected == 1);
        CHECK(r.counts.lost == 1);  // the real seq 2 never came
    }
    SECTION("stream it did not subscribe to (filters taken into account)") {
        auto pub = published_1_to(2);
        auto other = published_1_to(1, "TaskUpdates{\"board\":\"b2\"}");
        pub.insert(pub.end(), other.begin(), other.end());
        subscriber_history h{"s1", {board}, {snapshot(0), live(1), live(1, "TaskUpdates{\"board\":\"b2\"}"), live(2)}};
        auto r = check_subscriber(pub, h);
        CHECK(r.counts.unexpected == 1);
        CHECK(r.counts.lost == 0);  // not responsible for b2's events
    }
    SECTION("epoch change without a snapshot") {
        auto ev = live(2);
        ev.epoch = "e9";
        auto r = check_subscriber(published_1_to(2), history({snapshot(0), live(1), ev}));
        CHECK(r.counts.unexpected == 1);
    }
}

TEST_CASE("checker totals, example cap and JSON", "[chaos][checker]") {
    std::vector<received_event> dups{snapshot(0), live(1)};
    for (int i = 0; i < 20; ++i) dups.push_back(live(1));
    auto report = check_delivery(published_1_to(1),
                                 {subscriber_history{"clean", {}, {snapshot(0), live(1)}}, subscriber_history{"dup", {}, dups}},
                                 3);
    CHECK_FALSE(report.ok());
    CHECK(report.subscribers.at(0).ok());
    CHECK(report.subscribers.at(1).counts.duplicated == 20);
    CHECK(report.subscribers.at(1).examples.size() == 3);
    CHECK(report.totals.duplicated == 20);
    CHECK(report.totals.received == 22);
    auto j = to_json(report);
    CHECK(j["ok"] == false);
    CHECK(j["totals"]["violations"] == 20);
    CHECK(j["subscribers"][1]["examples"][0]["kind"] == "duplicated");

    // Inputs are plain and round-trip through JSON.
    subscriber_history h{"s", {board}, {snapshot(0), replay(1)}};
    nlohmann::json hj = h;
    CHECK(hj["received"][1]["from"] == "replay");
    auto back = hj.get<subscriber_history>();
    CHECK(back.received.at(1).from == delivery_source::replay);
    CHECK(back.streams == h.streams);
}

TEST_CASE("state comparison after a resync", "[chaos][checker]") {
    row_map expected{{"t1", {{"id", "t1"}, {"status", "todo"}}}, {"t2", {{"id", "t2"}, {"status", "doing"}}}};
    row_map same{{"t2", {{"status", "doing"}, {"id", "t2"}}}, {"t1", {{"id", "t1"}, {"status", "todo"}}}};
    CHECK(compare_state(same, expected).equal());
    row_map wrong{{"t1", {{"id", "t1"}, {"status", "done"}}}, {"t3", {{"id", "t3"}}}};
    auto d = compare_state(wrong, expected);
    CHECK_FALSE(d.equal());
    CHECK(d.missing == std::vector<std::string>{"t2"});
    CHECK(d.extra == std::vector<std::string>{"t3"});
    CHECK(d.different == std::vector<std::string>{"t1"});
    nlohmann::json j = d;
    CHECK(j["missing"][0] == "t2");
}
