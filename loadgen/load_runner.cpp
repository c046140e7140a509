#include "loadgen/load_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "client/io_loop.hpp"
#include "client/ws_url.hpp"
#include "os/fd_limit.hpp"
#include "loadgen/churn_schedule.hpp"
#include "loadgen/metrics_probe.hpp"
#include "loadgen/publish_schedule.hpp"
#include "loadgen/publisher.hpp"
#include "loadgen/run_stats.hpp"
#include "loadgen/series_sampler.hpp"
#include "loadgen/source_addresses.hpp"
#include "loadgen/subscriber_pool.hpp"
#include "loadgen/workload_frames.hpp"
#include "protocol/units.hpp"

namespace rt::loadgen {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr auto setup_timeout = 30s;             // 1,000 inserts take well under a second
constexpr auto publisher_connect_timeout = 10s;
constexpr auto subscribe_grace = 15s;           // after the ramp: handshakes still in the backlog
constexpr auto close_timeout = 5s;
constexpr auto metrics_timeout = 2s;
constexpr std::uint64_t spare_fds = 64;         // stdio, the metrics probe, setup connections
constexpr auto worker_margin = 30s;             // a worker's slack per phase on a loaded machine
constexpr auto publish_start_delay = 100ms;     // from the last worker connected to the first
                                                // publish: the answer reaches every worker first

// Emits a progress line once a second; the caller polls it from the controller thread.
class progress_meter {
public:
    progress_meter(const run_stats& stats, const subscriber_pool& pool, const progress_fn& fn, std::int64_t start_us)
        : stats_(stats), pool_(pool), fn_(fn), start_us_(start_us), next_us_(start_us + 1'000'000) {}

    void poll(const char* phase) {
        const std::int64_t now = now_us();
        if (!fn_ || now < next_us_) return;
        const double dt_s = static_cast<double>(now - last_us_) / 1e6;
        next_us_ += 1'000'000 * ((now - next_us_) / 1'000'000 + 1);
        const std::uint64_t sent = stats_.published_sent, deliv = stats_.deliveries;
        auto m = stats_.merged();
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "[%6s] %-9s conns %lld/%u open | sent %.0f/s (late %llu) | deliveries %.0f/s | "
                      "p50 %s p99 %s | errors %llu",
                      proto::format_duration_us(static_cast<double>(now - start_us_)).c_str(), phase, static_cast<long long>(pool_.open_now()),
                      pool_.size(), dt_s > 0 ? static_cast<double>(sent - last_sent_) / dt_s : 0.0,
                      static_cast<unsigned long long>(stats_.late.load()),
                      dt_s > 0 ? static_cast<double>(deliv - last_deliv_) / dt_s : 0.0,
                      m.corrected.count() ? proto::format_duration_us(static_cast<double>(m.corrected.percentile(50))).c_str() : "-",
                      m.corrected.count() ? proto::format_duration_us(static_cast<double>(m.corrected.percentile(99))).c_str() : "-",
                      static_cast<unsigned long long>(stats_.publish_errors + pool_.failed() + pool_.dropped()));
        fn_(buf);
        last_us_ = now;
        last_sent_ = sent;
        last_deliv_ = deliv;
    }

private:
    const run_stats& stats_;
    const subscriber_pool& pool_;
    const progress_fn& fn_;
    std::int64_t start_us_, next_us_;
    std::int64_t last_us_ = start_us_;
    std::uint64_t last_sent_ = 0, last_deliv_ = 0;
};

// The server counters of every node, summed; nullopt when one node has none.
std::optional<server_counters> fetch_all_counters(const loadgen_config& config) {
    server_counters sum;
    for (const auto& url : config.urls) {
        auto u = client::parse_ws_url(url);
        if (!u) return std::nullopt;
        auto c = fetch_server_counters(client::http_base_of(*u), config.tls, metrics_timeout);
        if (!c) return std::nullopt;
        sum.events_dropped += c->events_dropped;
        sum.slow_disconnects += c->slow_disconnects;
        sum.rate_limited += c->rate_limited;
    }
    return sum;
}

// Sleeps until `until_us` or for 100 ms, whichever is sooner, so progress keeps flowing.
void nap_until(std::int64_t until_us) {
    std::int64_t d = std::min<std::int64_t>(until_us - now_us(), 100'000);
    if (d > 0) std::this_thread::sleep_for(std::chrono::microseconds(d));
}

}  // namespace

std::chrono::milliseconds phase_timeout(const loadgen_config& config, const std::string& phase) {
    using std::chrono::duration_cast;
    using ms = std::chrono::milliseconds;
    const auto nodes = static_cast<std::int64_t>(config.urls.size());
    ms t = worker_margin;
    if (phase == "connected")
        t += setup_timeout + publisher_connect_timeout + subscribe_grace +
             ms(static_cast<std::int64_t>(1000.0 * config.conns / config.ramp_per_s));
    else if (phase == "published")
        t += duration_cast<ms>(config.warmup_us + config.duration_us + 2 * config.drain_us) + publish_start_delay;
    else if (phase == "drained")
        t += duration_cast<ms>(config.drain_us) + nodes * metrics_timeout;
    else  // "result": closing, removing the rows, the counters
        t += close_timeout + setup_timeout + nodes * metrics_timeout;
    return t;
}

result<loadgen_report, std::string> run_loadgen(const loadgen_config& config, const progress_fn& progress,
                                                const std::atomic<bool>* interrupt, run_barrier* barrier) {
    // A worker whose barrier failed stops like an interrupted run, and reports the failure.
    std::string barrier_error;
    auto interrupted = [interrupt, &barrier_error] {
        return (interrupt && interrupt->load()) || !barrier_error.empty();
    };
    auto meet = [&](const char* phase, const nlohmann::json& payload) -> nlohmann::json {
        if (!barrier || !barrier_error.empty()) return nullptr;
        auto answer = barrier->meet(phase, payload, phase_timeout(config, phase));
        if (!answer) barrier_error = answer.error();
        return answer ? *answer : nullptr;
    };
    std::vector<client::ws_url> urls;
    for (const auto& text : config.urls) {
        auto url = client::parse_ws_url(text);
        if (!url) return make_unexpected(text + ": " + url.error());
        urls.push_back(*url);
    }
    const conn_range own = own_connections(config);
    // One worker publishes (creates the rows, sends, removes the rows) for the whole run.
    const bool publishing = !config.worker || config.worker->publishes();
    const auto processes = config.worker ? config.worker->count : 1u;
    auto limit = os::raise_open_file_limit();
    if (!limit) return make_unexpected(limit.error());
    const std::uint64_t fds_needed = std::uint64_t{own.count} + (publishing ? config.publishers : 0) + spare_fds;
    if (*limit < fds_needed)
        return make_unexpected("open-file limit " + std::to_string(*limit) + " is below the " +
                               std::to_string(fds_needed) + " descriptors " + std::to_string(own.count) +
                               " connections need" +
                               (config.worker ? "" : " (--workers N spreads them over N processes)"));

    const auto before = publishing ? fetch_all_counters(config) : std::nullopt;

    run_stats stats(static_cast<std::uint32_t>(urls.size()));
    const workload_frames frames(config, config.worker ? config.worker->run_tag : new_run_tag());
    publisher pub(config, stats, frames);
    // A run that cannot start leaves the store as found too: the rows that were inserted before a
    // refusal (a token whose write scope covers some streams only) are deleted again, best effort.
    auto abandon = [&](const std::string& why) {
        (void)pub.remove_tasks(setup_timeout);
        return make_unexpected(why);
    };
    if (publishing) {
        if (auto r = pub.create_tasks(setup_timeout); !r) return abandon(r.error());
        if (auto r = pub.connect(publisher_connect_timeout); !r) return abandon(r.error());
    }

    client::io_loop loop;
    loop.start(config.threads);
    // Addresses of this run's own (see source_addresses.hpp): the last run's TIME-WAIT sockets on
    // the server cannot meet this run's SYNs. A worker's come from the parent: each its own.
    const bool loopback =
        std::all_of(urls.begin(), urls.end(), [](const client::ws_url& u) { return is_loopback_ipv4(u.host); });
    subscriber_pool pool(loop, config, stats, frames,
                         source_addresses(loopback ? urls.front().host : std::string(), config.source_ips,
                                          config.worker ? config.worker->source_draw : std::random_device{}()),
                         own);
    const std::int64_t start_us = now_us();
    progress_meter meter(stats, pool, progress, start_us);
    series_sampler series(stats, pool, start_us);
    // Called often (at least every 100 ms) while the run waits: the progress line and the series.
    auto tick = [&](const char* phase) {
        meter.poll(phase);
        series.poll(phase);
    };

    // Ramp: connection i starts at start + i / ramp, with at most max_connecting in flight; the
    // workers share both.
    const double ramp_per_s = config.ramp_per_s / processes;
    const std::uint64_t max_connecting = std::max<std::uint64_t>(1, config.max_connecting / processes);
    for (std::uint32_t i = 0; i < pool.size() && !interrupted(); ++i) {
        const std::int64_t due = start_us + static_cast<std::int64_t>(static_cast<double>(i) * 1e6 / ramp_per_s);
        while ((now_us() < due || pool.pending() >= max_connecting) && !interrupted()) {
            tick("ramp");
            nap_until(pool.pending() >= max_connecting ? now_us() + 1000 : due);
        }
        if (!interrupted()) pool.open(i);
    }
    const auto subscribe_deadline = clock::now() + subscribe_grace;
    while (pool.pending() > 0 && clock::now() < subscribe_deadline && !interrupted()) {
        tick("subscribe");
        std::this_thread::sleep_for(5ms);
    }

    // Membership: who should receive every event from now on.
    std::vector<bool> member(pool.size(), false);
    for (std::uint32_t i = 0; i < pool.size(); ++i)
        member[i] = pool.slots()[i].state == slot_state::subscribed;

    // Publish: warm-up then the measured window, on a fixed schedule that starts shortly from now
    // (every worker: when the parent says, once all are connected).
    std::int64_t publish_start_us = now_us() + 10'000;
    const nlohmann::json start = meet("connected", {{"subscribed", pool.subscribed()}, {"opened", pool.opened()}});
    if (start.is_object() && start.contains("publish_start_us"))
        publish_start_us = start["publish_start_us"].get<std::int64_t>();
    const std::int64_t length_us = config.warmup_us.count() + config.duration_us.count();
    publish_schedule schedule(publish_start_us, config.rate_per_s, length_us);
    stats.set_measure_from(publish_start_us + config.warmup_us.count());
    std::atomic<bool> stop{interrupted() || !publishing};  // interrupted before publishing: publish nothing
    std::thread publishing_thread([&] {
        if (!stop) pub.run(schedule, stop);
    });
    std::int64_t last_send_us = 0;
    bool server_gone = false;
    // Churn runs while publishing, so that reconnects have events to miss and resume.
    const churn_schedule churn(publish_start_us, pool.size(), config.churn_share_per_s);
    std::uint64_t churned = 0;  // reconnects taken from the schedule (done, or skipped: slot busy)
    while (now_us() < schedule.end_us() && !interrupted()) {
        tick(now_us() < publish_start_us ? "wait" : "publish");
        // Every subscriber dropped: the server is gone or refusing us; the rest would only wait.
        if (pool.subscribed() > 0 && pool.open_now() == 0 && pool.reconnecting() == 0) {
            server_gone = true;
            break;
        }
        // Bounded like the ramp: a reconnect waits while max_connecting are under way.
        for (const std::uint64_t due = churn.due(now_us());
             churned < due && pool.reconnecting() < max_connecting; ++churned)
            pool.churn(churn.slot(churned));
        nap_until(std::min({schedule.end_us(), churn.per_s() > 0 ? churn.at_us(churned) : schedule.end_us(),
                            now_us() + 100'000}));
    }
    // The publisher may still be catching up if it fell behind: wait for it (bounded by drain).
    const std::int64_t catch_up_deadline = now_us() + config.drain_us.count();
    while (publishing && !server_gone && stats.published_sent < schedule.count() && now_us() < catch_up_deadline &&
           !interrupted()) {
        tick("catch-up");
        nap_until(now_us() + 10'000);
    }
    stop = true;
    publishing_thread.join();
    last_send_us = now_us();

    // Drain: every acknowledged event should reach every member of its board. Interrupted: what is
    // in flight gets interrupt_drain at most, counted from the drain's start.
    const std::int64_t drain_start_us = now_us();
    const std::int64_t drain_deadline = drain_start_us + config.drain_us.count();
    const std::int64_t interrupt_deadline = drain_start_us + std::chrono::microseconds(interrupt_drain).count();
    auto draining = [&] {
        const std::int64_t now = now_us();
        return now < drain_deadline && !(interrupted() && now >= interrupt_deadline);
    };
    pub.wait_acks(std::chrono::duration_cast<std::chrono::milliseconds>(
        interrupted() ? std::min<std::chrono::microseconds>(config.drain_us, interrupt_drain) : config.drain_us));
    // What each stream's members should get: this process's acknowledgements, or every worker's.
    std::vector<std::uint64_t> acked = pub.acked_per_board();
    if (const nlohmann::json all = meet("published", {{"acked", acked}});
        all.is_object() && all.contains("acked") && all["acked"].size() == acked.size())
        acked = all["acked"].get<std::vector<std::uint64_t>>();
    std::uint64_t expected = 0;
    for (std::uint32_t i = 0; i < pool.size(); ++i)
        if (member[i]) expected += acked[pool.slots()[i].board];
    // Coalesced (--throttle): fewer deliveries than publishes is the point, so the count never
    // ends the drain; the last window closes at most a window (plus the 5 ms tick) after the last
    // change, and twice that plus 200 ms leaves room for its transit on a loaded machine.
    const std::int64_t coalesced_drain_end_us =
        config.throttle_ms ? now_us() + 2 * *config.throttle_ms * 1000 + 200'000 : 0;
    while (!server_gone && draining() &&
           (config.throttle_ms ? now_us() < coalesced_drain_end_us : stats.deliveries < expected)) {
        tick("drain");
        nap_until(now_us() + 5'000);
    }
    const std::int64_t end_us = now_us();
    std::vector<series_point> points = series.finish("drain");
    (void)meet("drained", nlohmann::json::object());

    const auto after = publishing ? fetch_all_counters(config) : std::nullopt;
    pool.close_all(close_timeout);
    pub.close();
    pool.release();
    loop.stop();  // joins the loop threads: every handler is done, the slots are ours to read
    // Leave the store as found, so the next run against this server starts from the same place.
    const auto removed = publishing ? pub.remove_tasks(setup_timeout) : result<void, std::string>{};
    if (!barrier_error.empty()) return make_unexpected(barrier_error);

    loadgen_report r;
    set_run_settings(r, config);
    r.conns_asked = own.count;
    r.publishers = publishing ? config.publishers : 0;
    r.source_addresses = pool.source_addresses();
    r.interrupted = interrupted();

    r.conns_opened = pool.opened();
    r.conns_failed = pool.failed();
    r.conns_dropped = pool.dropped();
    r.reconnects = pool.reconnects_started();
    r.recovered = pool.recovered();
    r.resynced = pool.resynced();
    r.reconnects_failed = pool.reconnects_failed();
    for (bool m : member) r.conns_subscribed += m ? 1 : 0;

    // Interrupted, the schedule's rest never came due: what was sent is what was scheduled.
    r.scheduled = r.interrupted || !publishing ? stats.published_sent.load() : schedule.count();
    r.sent = stats.published_sent;
    r.acked = stats.published_acked;
    r.publish_errors = stats.publish_errors;
    r.late = stats.late;
    r.max_lag_us = stats.max_lag_us;
    r.publish_seconds = std::max(0.0, static_cast<double>(last_send_us - publish_start_us) / 1e6);
    r.publish_start_s = static_cast<double>(publish_start_us - start_us) / 1e6;
    r.series = std::move(points);

    std::vector<proto::latency_histogram> node_latency = stats.merged_per_node();
    for (std::uint32_t n = 0; n < urls.size(); ++n) {
        node_figures f;
        f.url = config.urls[n];
        f.sent = pub.sent_to(n);
        f.acked = pub.acked_by(n);
        f.latency_us = std::move(node_latency[n]);
        r.nodes.push_back(std::move(f));
    }
    for (std::uint32_t i = 0; i < pool.size(); ++i) {
        const auto& s = pool.slots()[i];
        ++r.nodes[s.node].conns_asked;
        if (!member[i]) continue;
        ++r.nodes[s.node].conns_subscribed;
        if (s.left_out) r.tally.add_left_out(s.node);
        else r.tally.add(s.node, s.board, s.tracker, config.coalesced());
    }
    r.acked_per_board = std::move(acked);
    settle_deliveries(r);
    r.unparsed = stats.unparsed;
    const double window_s = static_cast<double>(end_us - publish_start_us) / 1e6;
    r.deliveries_per_s = window_s > 0 ? static_cast<double>(r.delivered) / window_s : 0;

    auto m = stats.merged();
    r.latency_us = std::move(m.corrected);
    r.latency_uncorrected_us = std::move(m.uncorrected);
    r.connect_us = std::move(m.connect);
    r.subscribe_us = std::move(m.subscribe);
    r.reconnect_us = std::move(m.reconnect);

    if (before && after) {
        server_counters d;
        d.events_dropped = after->events_dropped - before->events_dropped;
        d.slow_disconnects = after->slow_disconnects - before->slow_disconnects;
        d.rate_limited = after->rate_limited - before->rate_limited;
        r.server = d;
    }
    if (server_gone) r.first_error = "every subscriber connection was closed: run stopped early; ";
    r.first_error += pool.first_error();
    if (r.first_error.empty()) r.first_error = pub.first_error();
    if (r.first_error.empty() && !removed) r.first_error = "cleanup: " + removed.error();
    apply_thresholds(r, config.thresholds);
    return r;
}

}  // namespace rt::loadgen
