#pragma once
// One subscriber of a chaos run: a reconnecting_subscriber (reconnect + resume) that records everything
// the checker needs — each delivered event with its source (live or replayed after a resume),
// a marker for each snapshot, and how long each outage lasted (from the moment the session
// noticed the disconnect to the moment its subscription was back: resumed or resynced).
// The scenario runner uses it for the subscribers behind the proxy and for the reference
// subscribers connected directly to the server.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/activity_series.hpp"
#include "chaos/delivery_history.hpp"
#include "client/io_loop.hpp"
#include "client/reconnecting_subscriber.hpp"
#include "client/tls_trust.hpp"
#include "protocol/result.hpp"

namespace rt::chaos {

struct recorder_options {
    std::string name;          // for the report: "sub-17", "reference b3"
    std::string url;
    std::string token;         // sent on the handshake; empty: none
    std::string subscription;  // e.g. TaskUpdates
    nlohmann::json filter = nlohmann::json::object();
    proto::client_session_options session;
    std::string key_attr = "title";  // the attribute whose text identifies each change (change_key)
    client::tls_trust tls;           // wss://: whom to trust
    std::string tls_host;            // wss://: the host the certificate is for, when `url` is a relay's
};

class recording_subscriber {
public:
    static result<std::unique_ptr<recording_subscriber>, std::string> create(client::io_loop& loop,
                                                                            recorder_options options);
    ~recording_subscriber();  // stops the runner
    recording_subscriber(const recording_subscriber&) = delete;
    recording_subscriber& operator=(const recording_subscriber&) = delete;

    void start();
    void stop();

    const std::string& stream() const { return stream_; }
    const std::string& name() const { return options_.name; }
    const std::string& subscription() const { return options_.subscription; }

    // Thread-safe reads while the run goes on.
    bool has_snapshot() const;             // subscribed at least once
    std::optional<proto::stream_position> position() const;
    proto::session_counters counters() const;
    std::map<std::string, nlohmann::json> rows() const;
    std::string stop_detail() const;       // why the runner stopped by itself (gave up, refused); "" if it did not

    // Copies, for the checker and the report.
    subscriber_history history() const;
    std::vector<std::int64_t> outage_us() const;  // one per outage that ended
    std::vector<outage_span> outages() const;     // the same outages, when each began and ended
    std::uint64_t snapshots_after_first() const;

    struct state;  // what the runner's callbacks share with this object

private:
    recording_subscriber(recorder_options options, std::shared_ptr<state> st,
                         std::shared_ptr<client::reconnecting_subscriber> runner);

    recorder_options options_;
    std::string stream_;
    std::shared_ptr<state> state_;
    std::shared_ptr<client::reconnecting_subscriber> runner_;
};

}  // namespace rt::chaos
