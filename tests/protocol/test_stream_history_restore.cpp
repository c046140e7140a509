// stream_history::restore: a history as persisted before a restart, rebuilt (pure).
#include <catch2/catch.hpp>

#include "protocol/stream_history.hpp"

using namespace rt::proto;

namespace {

std::vector<replay_entry> shr_entries(std::initializer_list<std::uint64_t> seqs) {
    std::vector<replay_entry> v;
    for (auto s : seqs) v.push_back({s, 1000, std::make_shared<const std::string>("ev" + std::to_string(s))});
    return v;
}

}  // namespace

TEST_CASE("stream_history::restore: keeps the epoch, the top seq and the persisted events", "[stream_history]") {
    auto h = stream_history::restore("e1", 7, shr_entries({5, 6, 7}), replay_limits{});
    CHECK(h.epoch() == "e1");
    CHECK(h.top_seq() == 7);
    REQUIRE(h.buffered() == 3);
    CHECK(*h.events().front().frame == "ev5");
    auto missed = h.missed_since({"e1", 4}, 1000);
    REQUIRE(missed);
    CHECK(missed->size() == 3);
}

TEST_CASE("stream_history::restore: events before a hole are skipped, replay never crosses it", "[stream_history]") {
    auto h = stream_history::restore("e1", 9, shr_entries({2, 3, 7, 8, 9}), replay_limits{});
    CHECK(h.top_seq() == 9);
    REQUIRE(h.buffered() == 3);
    CHECK(h.events().front().seq == 7);
    CHECK(h.missed_since({"e1", 6}, 1000));
    CHECK_FALSE(h.missed_since({"e1", 3}, 1000));
}

TEST_CASE("stream_history::restore: events that do not end at the top seq, or none, leave an empty buffer", "[stream_history]") {
    auto behind = stream_history::restore("e1", 12, shr_entries({9, 10}), replay_limits{});
    CHECK(behind.top_seq() == 12);
    CHECK(behind.buffered() == 0);
    CHECK(behind.missed_since({"e1", 12}, 1000));  // missed nothing: still recovers
    CHECK_FALSE(behind.missed_since({"e1", 10}, 1000));
    auto none = stream_history::restore("e2", 4, {}, replay_limits{});
    CHECK(none.top_seq() == 4);
    CHECK(none.buffered() == 0);
}

TEST_CASE("stream_history::restore: the replay limits hold for what is restored", "[stream_history]") {
    replay_limits small;
    small.max_events = 2;
    auto h = stream_history::restore("e1", 5, shr_entries({3, 4, 5}), small);
    CHECK(h.top_seq() == 5);
    REQUIRE(h.buffered() == 2);
    CHECK(h.events().front().seq == 4);
}
