#pragma once
// The frames of a run's workload, for the publisher and the subscriber pool alike: the kanban
// demo's (no --spec: TaskUpdates by board or AllTasks, Task rows, the title carrying the times)
// or a spec workload's (config.plan: rows and filters from spec::row_maker, the plan's vary
// attribute carrying the times). Immutable after construction; every method is thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loadgen/config.hpp"
#include "protocol/messages.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::loadgen {

// The kanban demo's frames. The publish frame for event `k` on `task_id`: an update of the title
// (carrying the times) and of priority, which alternates so that every update changes the row.
std::string update_text(std::uint64_t k, std::string_view task_id, std::string_view title);
// The insert frame creating `task_id` on board `b<board>`.
std::string insert_text(std::uint32_t board, std::string_view task_id);
// The delete frame removing `task_id` (of board `b<board>`) at the end of a run.
std::string delete_text(std::uint32_t board, std::string_view task_id);

// A tag for a new run's row ids: this process's id and a random number.
std::string new_run_tag();

class workload_frames {
public:
    // `config` (finalized, resolve_workload done) must outlive this; `run_tag` makes the row ids
    // of this run unique on a long-lived server.
    workload_frames(const loadgen_config& config, std::string run_tag);

    // The subscribe of a connection in group (board) g.
    proto::subscribe_msg subscribe(std::uint32_t group) const;
    // The id of group g's long-lived row (the one updates change), and of its n-th inserted row.
    std::string row_id(std::uint32_t group, std::uint64_t n = 0) const;
    // The setup insert of group g's row, with request id "c<g>".
    std::string setup_insert(std::uint32_t group) const;
    // The clean-up delete of row `id`, with request id "d<n>".
    std::string setup_remove(std::uint64_t n, std::string_view id) const;
    // Publish k (request id k): an update of group g's row, an insert of row `id` into group g, a
    // delete of row `id`. `payload` is the times text (encode_title).
    std::string update(std::uint64_t k, std::uint32_t group, std::string payload) const;
    std::string insert(std::uint64_t k, std::uint32_t group, std::string_view id, std::string payload) const;
    std::string remove(std::uint64_t k, std::string_view id) const;
    // The attribute whose text carries the times in every event ("title" for the demo).
    const std::string& payload_attr() const { return payload_attr_; }
    // The change mix (update only for the demo).
    spec::change_mix mix() const { return config_.plan ? config_.plan->mix : spec::change_mix{}; }

private:
    std::string publish(std::uint64_t k, proto::operation op, nlohmann::json row) const;

    const loadgen_config& config_;
    std::string run_tag_;
    std::optional<spec::row_maker> rows_;
    std::string payload_attr_ = "title";
};

}  // namespace rt::loadgen
