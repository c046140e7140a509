#pragma once
// The scenario's publisher: one connection DIRECT to the server (never through the fault proxy),
// creating the run's rows (spec::row_maker: valid for the spec, inside the watched view), then
// updating them at a fixed rate. Each update gives a row a new text "p<k>" in the workload's vary
// attribute, so every change has a unique key "<row id>@p<k>" that subscribers' events carry
// back. It reconnects when the server goes away (kill_server) and counts the ticks it missed.
// With a REST base URL it sends each change as an HTTP request instead (POST/PATCH/DELETE
// BASE/<Entity>[/id], one connection each) and reads the stored row from the response.
// Blocking calls: run it on a thread of its own.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/http_client.hpp"
#include "client/sync_client.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"
#include "protocol/spec_workload.hpp"

namespace rt::chaos {

struct publisher_plan {
    std::string url;      // the server's own address, not the proxy's
    std::string token;    // sent on the handshake (or as a Bearer token over REST); empty: none
    std::optional<client::http_url> rest;  // publish over REST at this base URL instead of `url`
    client::tls_trust tls;  // wss:// and https://: whom to trust
    std::string run_tag;  // makes row ids unique on a long-lived server
    const spec::app* app = nullptr;  // the spec and the workload the rows are made for (outlive the publisher)
    spec::workload workload;
    std::uint32_t boards = 1;           // row groups: group g's rows carry stream g's filter value
    std::uint32_t tasks_per_board = 1;  // rows per group
    double rate_per_s = 10;
    std::uint64_t payload_bytes = 0;  // updates' titles are padded ("p7|xxx...") to this size
    std::chrono::milliseconds duration_ms{5000};
};

// A change the server acknowledged with `published`.
struct acked_change {
    std::uint32_t board = 0;
    std::string key;
};

struct publisher_counters {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t refused = 0;    // error replies
    std::uint64_t unanswered = 0; // no reply in time (the connection died, or the server did)
    std::uint64_t skipped = 0;    // ticks with no connection to send on
    std::uint64_t reconnects = 0;
};

class scenario_publisher {
public:
    explicit scenario_publisher(publisher_plan plan);
    ~scenario_publisher();

    // Row `task` of group `board`: spec::row_id(run_tag, board, task) (row 0 is what a by-id stream watches).
    std::string task_id(std::uint32_t board, std::uint32_t task) const;

    // Inserts every row (text "p0"); returns once all are acknowledged, or the first
    // error. Blocking, at most `timeout`. Not counted in counters() or acked(): subscribers see
    // these rows in their first snapshot.
    result<void, std::string> create_tasks(std::chrono::milliseconds timeout);
    // Update k is due at start + k / rate; sends each one and waits for its reply (bounded), until
    // the plan's duration has passed or `stop` is set. Blocking.
    void run(const std::atomic<bool>& stop);

    // Read after run() returned.
    const publisher_counters& counters() const { return counters_; }
    const std::vector<acked_change>& acked() const { return acked_; }

private:
    bool ensure_connected(std::chrono::milliseconds timeout);
    // Sends one publish and waits for its reply; records the ack. False when the connection failed.
    bool publish(std::uint64_t id, std::uint32_t board, const nlohmann::json& data, proto::operation op);
    bool publish_rest(std::uint32_t board, const nlohmann::json& data, proto::operation op);
    // A changed row the server stored (`published` reply, REST response): acknowledged.
    void record_ack(std::uint32_t board, const nlohmann::json& row);
    std::string destination() const;  // the URL changes go to, for errors

    publisher_plan plan_;
    spec::row_maker rows_;
    std::unique_ptr<client::sync_client> client_;
    publisher_counters counters_;
    std::vector<acked_change> acked_;
    bool connected_once_ = false;
    std::string last_failure_;  // why the last publish got no answer
};

}  // namespace rt::chaos
