#pragma once
// What every member connection of a run received, in a form that adds up across processes: the
// connections grouped by (node, stream, unique deliveries, skipped events), with their duplicates
// and out-of-order deliveries per node. Lost and delivered counts need each stream's acknowledged
// publishes, which only the publishing side knows, so they are worked out at the end
// (outcome()), from a merged tally and the merged acknowledgements: `rt loadgen --workers` sends
// tallies, not per-connection results, and still gets the single-process figures exactly.
// Pure: no I/O. A healthy run has one group per (node, stream).
//
// Coalesced runs (rt loadgen --throttle): a connection gets the throttle group's coalesced events,
// numbered in the group's own seq space, so publishes say nothing about what it should get. Its
// expected deliveries are then the group seqs numbered from its base up to the highest it received
// (highest_seq − base_seq): lost = the seqs inside that range never received. Events coalesced
// away are not lost; a window that never arrived at all after the last one received is not seen.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/delivery_tracker.hpp"

namespace rt::loadgen {

// The completeness figures of a set of connections.
struct delivery_outcome {
    std::uint64_t expected = 0, delivered = 0, lost = 0, duplicated = 0, out_of_order = 0, skipped = 0;
    std::uint64_t left_out = 0;  // resynced into a new epoch: not in the other figures
};

class delivery_tally {
public:
    // One member connection on `node` subscribed to stream `board`, with its tracker's figures.
    // With `coalesced` (--throttle), its expected count is its own (see the top) and outcome()
    // ignores the acknowledgements; a tally is coalesced or not, never both.
    void add(std::uint32_t node, std::uint32_t board, const delivery_tracker& tracker, bool coalesced = false);
    bool coalesced() const { return coalesced_; }
    // One member connection left out of the figures (delivery_outcome::left_out).
    void add_left_out(std::uint32_t node);
    // Adds every connection of `other`.
    void merge(const delivery_tally& other);

    // The figures of every connection (node nullopt) or of one node's, given the publishes
    // acknowledged per stream (`acked[board]`: events each member of that stream should get;
    // a stream past its end counts as none acknowledged).
    delivery_outcome outcome(const std::vector<std::uint64_t>& acked,
                             std::optional<std::uint32_t> node = std::nullopt) const;

    // {"groups":[[node, board, unique, skipped, connections], ...], "duplicated":[per node],
    // "out_of_order":[per node], "left_out":[per node]} and, for a coalesced tally,
    // "numbered":[per node] (the group seqs its connections should have got, summed).
    nlohmann::json to_json() const;
    // The tally to_json wrote; nullopt (and *error says why) for anything else.
    static std::optional<delivery_tally> from_json(const nlohmann::json& j, std::string* error = nullptr);

private:
    // node, board, unique, skipped
    using group_key = std::tuple<std::uint32_t, std::uint32_t, std::uint64_t, std::uint64_t>;
    static void bump(std::vector<std::uint64_t>& per_node, std::uint32_t node, std::uint64_t n);

    std::map<group_key, std::uint64_t> groups_;  // -> connections
    std::vector<std::uint64_t> duplicated_, out_of_order_, left_out_;  // per node
    bool coalesced_ = false;
    std::vector<std::uint64_t> numbered_;  // per node, coalesced only: Σ highest_seq − base_seq
};

}  // namespace rt::loadgen
