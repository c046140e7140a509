// delivery_tracker: tables of seq sequences and the verdicts, counts and loss they give.
#include <catch2/catch.hpp>

#include <vector>

#include "loadgen/delivery_tracker.hpp"

using rt::loadgen::delivery_tracker;
using rt::loadgen::seq_verdict;

namespace {

struct tracker_case {
    const char* name;
    std::uint64_t base;
    std::vector<std::uint64_t> seqs;
    std::uint64_t expected;  // events published after the base
    std::uint32_t unique, dups, reordered;
    std::uint64_t lost, missing_inside;
};

}  // namespace

TEST_CASE("delivery_tracker counts loss, duplicates and reordering", "[loadgen][tracker]") {
    const std::vector<tracker_case> cases = {
        {"all in order", 0, {1, 2, 3, 4}, 4, 4, 0, 0, 0, 0},
        {"from a non-zero base", 41, {42, 43}, 2, 2, 0, 0, 0, 0},
        {"nothing delivered", 0, {}, 3, 0, 0, 0, 3, 0},
        {"gap at the end is lost", 0, {1, 2}, 5, 2, 0, 0, 3, 0},
        {"gap in the middle", 0, {1, 2, 5, 6}, 6, 4, 0, 0, 2, 2},
        {"gap at the start", 10, {13}, 3, 1, 0, 0, 2, 2},
        {"duplicate of the last", 0, {1, 2, 2, 3}, 3, 3, 1, 0, 0, 0},
        {"duplicate of an old one", 0, {1, 2, 3, 1}, 3, 3, 1, 0, 0, 0},
        {"at or below the base is a duplicate", 5, {5, 6, 3}, 1, 1, 2, 0, 0, 0},
        {"swap of two", 0, {2, 1, 3}, 3, 3, 0, 1, 0, 0},
        {"late fill inside a wide gap", 0, {1, 6, 3}, 6, 3, 0, 1, 3, 3},
        {"fills the whole gap in reverse", 0, {5, 4, 3, 2, 1}, 5, 5, 0, 4, 0, 0},
        {"late fill then its duplicate", 0, {3, 1, 1, 2}, 3, 3, 1, 2, 0, 0},
        {"two gaps, fill the second", 0, {1, 3, 5, 4}, 5, 4, 0, 1, 1, 1},
        {"more delivered than expected is no negative loss", 0, {1, 2, 3}, 2, 3, 0, 0, 0, 0},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            delivery_tracker t(c.base);
            for (auto s : c.seqs) t.on_seq(s);
            CHECK(t.unique() == c.unique);
            CHECK(t.duplicates() == c.dups);
            CHECK(t.out_of_order() == c.reordered);
            CHECK(t.lost(c.expected) == c.lost);
            CHECK(t.missing_inside() == c.missing_inside);
        }
    }
}

TEST_CASE("delivery_tracker verdicts, one by one", "[loadgen][tracker]") {
    delivery_tracker t(100);
    CHECK(t.on_seq(101) == seq_verdict::in_order);
    CHECK(t.on_seq(105) == seq_verdict::gap);
    CHECK(t.highest_seq() == 105);
    CHECK(t.on_seq(103) == seq_verdict::out_of_order);  // splits the hole 102..104
    CHECK(t.missing_inside() == 2);
    CHECK(t.on_seq(103) == seq_verdict::duplicate);
    CHECK(t.on_seq(102) == seq_verdict::out_of_order);
    CHECK(t.on_seq(104) == seq_verdict::out_of_order);
    CHECK(t.missing_inside() == 0);
    CHECK(t.on_seq(106) == seq_verdict::in_order);
    CHECK(t.on_seq(100) == seq_verdict::duplicate);
    CHECK(t.lost(6) == 0);
}

TEST_CASE("delivery_tracker keeps a huge gap as one range", "[loadgen][tracker]") {
    delivery_tracker t(0);
    t.on_seq(1);
    t.on_seq(1'000'000'000);
    CHECK(t.missing_inside() == 999'999'998);
    CHECK(t.on_seq(500'000'000) == seq_verdict::out_of_order);
    CHECK(t.missing_inside() == 999'999'997);
    CHECK(t.lost(1'000'000'000) == 1'000'000'000 - 3);
}
