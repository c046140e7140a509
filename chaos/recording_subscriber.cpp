#include "chaos/recording_subscriber.hpp"

#include "chaos/change_key.hpp"
#include "protocol/stream_key.hpp"

namespace rt::chaos {

using clock_type = std::chrono::steady_clock;

// Written by the runner's callbacks (one at a time, under the runner's lock), read by the
// controller thread: guarded by `mu`.
struct recording_subscriber::state {
    std::mutex mu;
    std::string stream;
    std::string key_attr;
    subscriber_history history;
    std::uint64_t replay_left = 0;  // events of the last resume still to come: they are replays
    std::uint64_t snapshots = 0;
    std::optional<clock_type::time_point> outage_since;
    std::vector<outage_span> outages;
    std::string stop_detail;
    std::weak_ptr<client::reconnecting_subscriber> runner;  // for the position after a snapshot

    void on_event(const proto::event_msg& e) {
        std::lock_guard<std::mutex> lock(mu);
        delivery_source from = delivery_source::live;
        if (replay_left > 0) {
            from = delivery_source::replay;
            --replay_left;
        }
        history.received.push_back(received_event{stream, e.position.epoch, e.position.seq, change_key(e.data, key_attr),
                                                  from, steady_clock_us(clock_type::now())});
    }

    void on_update(const proto::session_update& u) {
        using proto::update_kind;
        if (u.kind != update_kind::snapshot && u.kind != update_kind::resumed && u.kind != update_kind::gap &&
            u.kind != update_kind::epoch_changed)
            return;
        std::optional<proto::stream_position> pos;
        if (u.kind == update_kind::snapshot)
            if (auto r = runner.lock()) pos = r->position(u.subscription);  // recursive lock: allowed here
        std::lock_guard<std::mutex> lock(mu);
        if (u.kind == update_kind::gap || u.kind == update_kind::epoch_changed) {
            replay_left = 0;  // a resubscribe follows; its reply says what comes next
            return;
        }
        if (u.kind == update_kind::resumed) {
            replay_left = u.replayed;
        } else {
            replay_left = 0;
            ++snapshots;
            history.received.push_back(received_event{stream, pos ? pos->epoch : std::string(), pos ? pos->seq : 0, {},
                                                      delivery_source::snapshot, steady_clock_us(clock_type::now())});
        }
        if (outage_since) {
            outages.push_back({steady_clock_us(*outage_since), steady_clock_us(clock_type::now())});
            outage_since.reset();
        }
    }

    // The runner's status lines are the only place a disconnect shows ("...; reconnecting in 1.6 s
    // (attempt 3)"): the first one after a working connection starts the outage clock.
    void on_status(const std::string& line) {
        if (line.find("reconnecting in") == std::string::npos) return;
        std::lock_guard<std::mutex> lock(mu);
        if (!outage_since) outage_since = clock_type::now();
    }

};

result<std::unique_ptr<recording_subscriber>, std::string> recording_subscriber::create(client::io_loop& loop,
                                                                                        recorder_options options) {
    auto st = std::make_shared<state>();
    st->stream = proto::stream_key(options.subscription, options.filter);
    st->key_attr = options.key_attr;
    st->history.subscriber = options.name;
    st->history.streams = {st->stream};

    client::subscriber_callbacks cb;
    cb.on_event = [st](const proto::event_msg& e) { st->on_event(e); };
    cb.on_update = [st](const proto::session_update& u) { st->on_update(u); };
    cb.on_status = [st](const std::string& line) { st->on_status(line); };
    cb.on_stopped = [st](client::stop_reason why, const std::string& detail) {
        if (why == client::stop_reason::stopped) return;
        std::lock_guard<std::mutex> lock(st->mu);
        st->stop_detail = detail;
    };
    client::subscriber_options ro;
    ro.url = options.url;
    ro.ws.token = options.token;
    ro.ws.tls = options.tls;
    ro.ws.tls_host = options.tls_host;
    ro.session = options.session;
    ro.max_retries = -1;  // the scenario's drain timeout bounds the run, not a retry count
    proto::subscription_request req;
    req.name = options.subscription;
    req.filter = options.filter;
    auto runner = client::reconnecting_subscriber::create(loop, ro, {req}, std::move(cb));
    if (!runner) return make_unexpected(runner.error());
    st->runner = runner.value();
    return std::unique_ptr<recording_subscriber>(new recording_subscriber(std::move(options), st, runner.value()));
}

recording_subscriber::recording_subscriber(recorder_options options, std::shared_ptr<state> st,
                                           std::shared_ptr<client::reconnecting_subscriber> runner)
    : options_(std::move(options)), stream_(st->stream), state_(std::move(st)), runner_(std::move(runner)) {}

recording_subscriber::~recording_subscriber() { stop(); }

void recording_subscriber::start() { runner_->start(); }
void recording_subscriber::stop() { runner_->stop(); }

bool recording_subscriber::has_snapshot() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->snapshots > 0;
}

std::optional<proto::stream_position> recording_subscriber::position() const {
    return runner_->position(options_.subscription);
}

proto::session_counters recording_subscriber::counters() const { return runner_->counters(); }

std::map<std::string, nlohmann::json> recording_subscriber::rows() const { return runner_->rows(options_.subscription); }

std::string recording_subscriber::stop_detail() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->stop_detail;
}

subscriber_history recording_subscriber::history() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->history;
}

std::vector<std::int64_t> recording_subscriber::outage_us() const {
    std::vector<std::int64_t> out;
    for (const auto& o : outages()) out.push_back(o.to_us - o.from_us);
    return out;
}

std::vector<outage_span> recording_subscriber::outages() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->outages;
}

std::uint64_t recording_subscriber::snapshots_after_first() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->snapshots > 0 ? state_->snapshots - 1 : 0;
}

}  // namespace rt::chaos
