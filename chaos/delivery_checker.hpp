#pragma once
// Checks each subscriber's history against the published history: exactly once, in order.
// Pure. Rules:
//  - A subscriber is responsible, per stream, for every published event after its latest snapshot
//    (resync) marker; before its first snapshot it is responsible from seq 1.
//  - lost: a published event it was responsible for and never got — either still missing at the
//    end, or skipped over (a later seq was delivered) before a snapshot covered it.
//  - duplicated: a seq delivered twice, or again after a snapshot already covered it.
//  - out_of_order: a seq delivered after a higher one (late, but not a duplicate).
//  - unexpected: a seq never published on that stream, a key that differs from the published one,
//    a stream it did not subscribe to, or an epoch change without a snapshot.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/delivery_history.hpp"

namespace rt::chaos {

struct delivery_violation {
    std::string kind;  // "lost", "duplicated", "out_of_order", "unexpected"
    std::string stream;
    std::uint64_t seq = 0;
    std::string detail;
};

struct delivery_counts {
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t unexpected = 0;
    std::uint64_t received = 0;   // events, not snapshot markers
    std::uint64_t live = 0;
    std::uint64_t replayed = 0;
    std::uint64_t resyncs = 0;    // snapshot markers after the first one of a stream
    std::uint64_t violations() const { return lost + duplicated + out_of_order + unexpected; }
};

struct subscriber_report {
    std::string subscriber;
    delivery_counts counts;
    std::vector<delivery_violation> examples;  // the first few of each kind
    bool ok() const { return counts.violations() == 0; }
};

struct delivery_report {
    std::vector<subscriber_report> subscribers;
    delivery_counts totals;
    bool ok() const { return totals.violations() == 0; }
};

// Why 5: enough to see a pattern in a report without flooding it.
constexpr std::size_t default_max_examples_per_kind = 5;

subscriber_report check_subscriber(const std::vector<published_event>& published, const subscriber_history& sub,
                                   std::size_t max_examples_per_kind = default_max_examples_per_kind);

delivery_report check_delivery(const std::vector<published_event>& published,
                               const std::vector<subscriber_history>& subscribers,
                               std::size_t max_examples_per_kind = default_max_examples_per_kind);

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(delivery_violation, kind, stream, seq, detail)
nlohmann::json to_json(const delivery_counts& c);
nlohmann::json to_json(const subscriber_report& r);
nlohmann::json to_json(const delivery_report& r);

}  // namespace rt::chaos
