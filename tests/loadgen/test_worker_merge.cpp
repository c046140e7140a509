// `rt loadgen --workers N` merges what its workers send: raw histogram buckets, delivery tallies
// and counters. Merging N shares must give exactly what one process measuring everything gives.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "loadgen/config.hpp"
#include "loadgen/delivery_tally.hpp"
#include "loadgen/scenario_file.hpp"
#include "loadgen/worker_report.hpp"
#include "protocol/histogram.hpp"

using namespace rt::loadgen;
using rt::proto::latency_histogram;
using json = nlohmann::json;

namespace {

// What crosses the pipe: the buckets as text, parsed back.
latency_histogram through_pipe(const latency_histogram& h) {
    std::string why;
    auto back = latency_histogram::from_buckets_json(json::parse(h.to_buckets_json().dump()), &why);
    INFO(why);
    REQUIRE(back);
    return *back;
}

void require_same(const latency_histogram& a, const latency_histogram& b) {
    REQUIRE(a.count() == b.count());
    CHECK(a.min() == b.min());
    CHECK(a.max() == b.max());
    CHECK(a.overflow_count() == b.overflow_count());
    CHECK(a.mean() == Approx(b.mean()).epsilon(1e-12));
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        INFO("p" << p);
        CHECK(a.percentile(p) == b.percentile(p));
    }
    const auto ab = a.recorded_buckets(), bb = b.recorded_buckets();
    REQUIRE(ab.size() == bb.size());
    for (std::size_t i = 0; i < ab.size(); ++i) {
        CHECK(ab[i].lowest_us == bb[i].lowest_us);
        CHECK(ab[i].count == bb[i].count);
    }
}

delivery_tracker tracker_with(std::uint64_t base, std::uint64_t seqs, std::uint64_t duplicates) {
    delivery_tracker t(base);
    for (std::uint64_t s = base + 1; s <= base + seqs; ++s) t.on_seq(s);
    for (std::uint64_t d = 0; d < duplicates; ++d) t.on_seq(base + 1);
    return t;
}

}  // namespace

TEST_CASE("merging N workers' histogram buckets equals one histogram of every sample", "[loadgen][workers]") {
    std::mt19937_64 rng(18);
    std::lognormal_distribution<double> latency(7.0, 1.5);  // ~1 ms, with a long tail
    for (int workers : {1, 2, 3, 8}) {
        INFO(workers << " workers");
        latency_histogram all;
        std::vector<latency_histogram> parts(static_cast<std::size_t>(workers));
        for (int i = 0; i < 20'000; ++i) {
            // Skewed shares, an empty worker (when there are 3 or more) and values past the top.
            const auto w = static_cast<std::size_t>(workers >= 3 ? (i % 7) % (workers - 1) : i % workers);
            const auto us = i % 5000 == 0 ? std::int64_t{90'000'000} : static_cast<std::int64_t>(latency(rng));
            parts[w].record(us);
            all.record(us);
        }
        latency_histogram merged;
        for (const auto& p : parts) merged.merge(through_pipe(p));
        require_same(merged, all);
        CHECK(merged.overflow_count() == 4);
    }
}

TEST_CASE("a histogram from another layout or with counts that do not add up is refused", "[loadgen][workers]") {
    latency_histogram h;
    h.record(100);
    h.record(200);
    json j = h.to_buckets_json();
    std::string why;

    json other = j;
    other["layout"] = {1024, 16};
    CHECK_FALSE(latency_histogram::from_buckets_json(other, &why));
    CHECK(why.find("layout") != std::string::npos);

    json short_count = j;
    short_count["count"] = 3;
    CHECK_FALSE(latency_histogram::from_buckets_json(short_count, &why));
    CHECK(why.find("count says 3") != std::string::npos);

    json bad_index = j;
    bad_index["buckets"].push_back({1'000'000, 1});
    bad_index["count"] = 3;
    CHECK_FALSE(latency_histogram::from_buckets_json(bad_index, &why));
    CHECK_THAT(why, Catch::Contains("out of range"));

    CHECK_FALSE(latency_histogram::from_buckets_json(json::array(), &why));
    CHECK(latency_histogram::from_buckets_json(j));
}

TEST_CASE("delivery tallies add up across workers and give the single-process figures", "[loadgen][workers]") {
    // Stream 0 got 5 events acked, stream 1 got 3. Connections on two nodes, tallied in two
    // "workers" and in one.
    const std::vector<std::uint64_t> acked{5, 3};
    delivery_tally w0, w1, one;
    auto add = [&](delivery_tally& part, std::uint32_t node, std::uint32_t board, const delivery_tracker& t) {
        part.add(node, board, t);
        one.add(node, board, t);
    };
    add(w0, 0, 0, tracker_with(10, 5, 0));  // complete
    add(w0, 1, 0, tracker_with(10, 5, 1));  // complete, one duplicate
    add(w1, 1, 0, tracker_with(10, 3, 0));  // 2 lost
    add(w1, 0, 1, tracker_with(0, 3, 0));   // complete
    add(w1, 1, 1, tracker_with(0, 3, 0));
    w1.add_left_out(1);
    one.add_left_out(1);

    std::string why;
    auto w1_back = delivery_tally::from_json(json::parse(w1.to_json().dump()), &why);
    INFO(why);
    REQUIRE(w1_back);
    delivery_tally merged = w0;
    merged.merge(*w1_back);

    for (std::optional<std::uint32_t> node : {std::optional<std::uint32_t>{}, std::optional<std::uint32_t>{0},
                                              std::optional<std::uint32_t>{1}}) {
        const delivery_outcome a = merged.outcome(acked, node), b = one.outcome(acked, node);
        CHECK(a.expected == b.expected);
        CHECK(a.delivered == b.delivered);
        CHECK(a.lost == b.lost);
        CHECK(a.duplicated == b.duplicated);
        CHECK(a.left_out == b.left_out);
    }
    const delivery_outcome all = merged.outcome(acked);
    CHECK(all.expected == 5 + 5 + 5 + 3 + 3);
    CHECK(all.delivered == 5 + 5 + 3 + 3 + 3);
    CHECK(all.lost == 2);
    CHECK(all.duplicated == 1);
    CHECK(all.left_out == 1);
    const delivery_outcome node1 = merged.outcome(acked, 1);
    CHECK(node1.expected == 5 + 5 + 3);
    CHECK(node1.lost == 2);

    json cut = w1.to_json();
    cut["groups"][0].erase(4);  // [node, board, unique, skipped] without the connections
    CHECK_FALSE(delivery_tally::from_json(cut, &why));
    CHECK_THAT(why, Catch::Contains("is not [node, board, unique, skipped, connections]"));
}

TEST_CASE("a coalesced tally (--throttle) expects the group seqs each connection saw, not the publishes", "[loadgen][workers][throttle]") {
    // 1000 publishes acked on stream 0: irrelevant once coalesced.
    const std::vector<std::uint64_t> acked{1000};
    delivery_tally w0, w1;
    w0.add(0, 0, tracker_with(4, 10, 1), true);  // group seqs 5..14, all there, one duplicate
    delivery_tracker holes(0);
    for (std::uint64_t s : {1, 2, 5, 6}) holes.on_seq(s);  // 3 and 4 never came
    w1.add(0, 0, holes, true);
    CHECK(w0.coalesced());
    std::string why;
    auto back = delivery_tally::from_json(json::parse(w1.to_json().dump()), &why);
    INFO(why);
    REQUIRE(back);
    CHECK(back->coalesced());
    delivery_tally merged = w0;
    merged.merge(*back);
    const delivery_outcome all = merged.outcome(acked);
    CHECK(all.expected == 10 + 6);
    CHECK(all.delivered == 10 + 4);
    CHECK(all.lost == 2);
    CHECK(all.duplicated == 1);
    // The same trackers, not coalesced, would count the 1000 publishes.
    delivery_tally plain;
    plain.add(0, 0, holes);
    CHECK_FALSE(plain.coalesced());
    CHECK(plain.outcome(acked).lost == 1000 - 4);
    CHECK_FALSE(plain.to_json().contains("numbered"));
}

TEST_CASE("worker reports merge into one: sums, merged histograms, thresholds on the whole", "[loadgen][workers]") {
    loadgen_config c;
    REQUIRE(set_urls(c, {"ws://127.0.0.1:1/live", "ws://127.0.0.1:2/live"}).ok());
    REQUIRE(apply_setting(c, "conns", "4").ok());
    REQUIRE(apply_setting(c, "boards", "2").ok());
    REQUIRE(apply_setting(c, "workers", "2").ok());
    REQUIRE(apply_setting(c, "max-loss", "0").ok());
    REQUIRE(finalize(c).ok());

    auto part = [&](std::uint32_t node, std::int64_t latency_us, bool publishes) {
        loadgen_report r;
        r.conns_asked = 2;
        r.conns_subscribed = 2;
        r.publishers = publishes ? 2 : 0;
        r.sent = r.acked = publishes ? 4 : 0;
        r.acked_per_board = {2, 2};  // every worker measures against the summed acknowledgements
        for (std::uint32_t b = 0; b < 2; ++b) {
            r.tally.add(node, b, tracker_with(0, 2, 0));
            for (int i = 0; i < 2; ++i) r.latency_us.record(latency_us);
        }
        r.nodes.resize(2);
        r.nodes[node].conns_asked = r.nodes[node].conns_subscribed = 2;
        r.nodes[node].latency_us = r.latency_us;
        r.series.resize(1);
        r.series[0].phase = "publish";
        r.series[0].conns_open = 2;
        auto back = from_worker_json(json::parse(to_worker_json(r).dump()));
        INFO((back ? "" : back.error()));
        REQUIRE(back);
        return worker_part{node, 100 + static_cast<int>(node), std::move(back).value()};
    };
    const loadgen_report m = merge_worker_reports(c, {part(0, 1000, true), part(1, 3000, false)});
    CHECK(m.workers == 2);
    CHECK(m.conns_asked == 4);
    CHECK(m.conns_subscribed == 4);
    CHECK(m.sent == 4);
    CHECK(m.expected == 8);
    CHECK(m.delivered == 8);
    CHECK(m.lost == 0);
    CHECK(m.latency_us.count() == 8);
    CHECK(m.latency_us.percentile(50) == 1000);
    CHECK(m.latency_us.max() == 3000);
    REQUIRE(m.nodes.size() == 2);
    CHECK(m.nodes[1].conns_subscribed == 2);
    CHECK(m.nodes[1].deliveries.delivered == 4);
    CHECK(m.nodes[1].latency_us.min() == 3000);
    REQUIRE(m.worker_list.size() == 2);
    CHECK(m.worker_list[1].pid == 101);
    REQUIRE(m.series.size() == 1);
    CHECK(m.series[0].conns_open == 4);
    CHECK(m.ok);

    CHECK_FALSE(from_worker_json(json{{"conns_asked", 1}}));
}

TEST_CASE("workers share the connections and nodes the streams as documented", "[loadgen][workers]") {
    for (const char* publish_to : {"any", "same"}) {
        loadgen_config c;
        REQUIRE(set_urls(c, {"ws://127.0.0.1:1/live", "ws://127.0.0.1:2/live", "ws://127.0.0.1:3/live"}).ok());
        REQUIRE(apply_setting(c, "conns", "1000").ok());
        REQUIRE(apply_setting(c, "publish-to", publish_to).ok());
        REQUIRE(finalize(c).ok());
        REQUIRE(c.boards == 100);
        CHECK(c.publishers >= 3);  // one per node at least
        // Three workers' shares cover every connection once.
        std::uint32_t next = 0;
        for (std::uint32_t k = 0; k < 3; ++k) {
            c.worker = worker_role{k, 3, "tag", k};
            const conn_range r = own_connections(c);
            CHECK(r.first == next);
            next = r.first + r.count;
        }
        CHECK(next == 1000);
        // Where each stream's subscribers are, and how many each node has.
        std::vector<std::set<std::uint32_t>> nodes_of_stream(c.boards);
        std::vector<std::uint32_t> per_node(3, 0);
        for (std::uint32_t conn = 0; conn < c.conns; ++conn) {
            const std::uint32_t n = node_of_connection(c, conn, conn % c.boards);
            nodes_of_stream[conn % c.boards].insert(n);
            ++per_node[n];
        }
        for (std::uint32_t b = 0; b < c.boards; ++b) {
            INFO(publish_to << " stream " << b);
            if (std::string(publish_to) == "same")
                CHECK(nodes_of_stream[b] == std::set<std::uint32_t>{node_of_stream(c, b)});
            else CHECK(nodes_of_stream[b].size() == 3);
        }
        for (auto n : per_node) CHECK(n >= 300);
    }
}

TEST_CASE("multi-node and worker settings are checked", "[loadgen][workers]") {
    loadgen_config c;
    REQUIRE(set_urls(c, {"ws://127.0.0.1:1/live", "ws://127.0.0.1:2/live"}).ok());
    REQUIRE(apply_setting(c, "publish-to", "same").ok());
    REQUIRE(apply_setting(c, "fanout", "all").ok());
    auto r = finalize(c);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("1 stream cannot cover 2 nodes") != std::string::npos);

    loadgen_config p;
    REQUIRE(set_urls(p, {"ws://127.0.0.1:1/live", "ws://127.0.0.1:2/live"}).ok());
    REQUIRE(apply_setting(p, "publishers", "1").ok());
    r = finalize(p);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("one per node") != std::string::npos);

    loadgen_config w;
    CHECK_FALSE(apply_setting(w, "workers", "0"));
    CHECK_FALSE(apply_setting(w, "workers", "65"));
    CHECK_FALSE(apply_setting(w, "publish-to", "nearest"));
    CHECK_FALSE(set_urls(w, {"ws://127.0.0.1:1/live", "http://x"}));
    REQUIRE(apply_setting(w, "workers", "4").ok());
    REQUIRE(apply_setting(w, "conns", "3").ok());
    r = finalize(w);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("workers") != std::string::npos);

    // A scenario file names several nodes with an array.
    loadgen_config f;
    REQUIRE(apply_scenario_text(f, "url = [\"ws://127.0.0.1:1/live\", \"ws://127.0.0.1:2/live\"]\n"
                                   "publish_to = \"same\"\nworkers = 2\n", "nodes.toml").ok());
    CHECK(f.urls == std::vector<std::string>{"ws://127.0.0.1:1/live", "ws://127.0.0.1:2/live"});
    CHECK(f.publish_to == publish_target::same);
    CHECK(f.workers == 2);
    auto bad = apply_scenario_text(f, "url = [1, 2]\n", "nodes.toml");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error(), Catch::Contains("nodes.toml: url: expected an array of URL strings"));
}
