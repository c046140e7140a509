#include "chaos/scenario_runner.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "chaos/fault_proxy.hpp"
#include "chaos/host_port.hpp"
#include "client/http_client.hpp"
#include "chaos/recording_subscriber.hpp"
#include "chaos/scenario_publisher.hpp"
#include "chaos/scenario_workload.hpp"
#include "chaos/server_process.hpp"
#include "chaos/shell_command.hpp"
#include "chaos/state_diff.hpp"
#include "client/io_loop.hpp"
#include "client/sync_client.hpp"
#include "client/ws_url.hpp"
#include "protocol/client_session.hpp"
#include "protocol/host_port.hpp"
#include "protocol/stream_key.hpp"
#include "protocol/units.hpp"

namespace rt::chaos {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

// Bounds of the run's own steps; each has its reason.
constexpr auto server_start_timeout = 10s;    // a server that is not up in 10 s is broken
                                              // (an external target: after its restart_cmd returned)
constexpr auto target_probe_timeout = 1s;     // one connect attempt to a restarted target on loopback or a LAN
constexpr auto setup_timeout = 10s;           // inserting a few hundred tasks takes milliseconds
constexpr auto reference_catch_up = 5s;       // direct, unfaulted subscribers lag by milliseconds
constexpr auto view_timeout = 5s;             // one subscribe on loopback
constexpr auto spec_fetch_timeout = 5s;       // one small GET on loopback or a LAN
constexpr auto poll_interval = 50ms;          // progress checks: cheap, and fine-grained enough
constexpr std::size_t max_examples = 10;      // lines of each kind in the report
constexpr std::int64_t activity_bin_us = 250'000;  // a 2 s blackhole spans 8 bins: its edges show

struct stream_info {
    std::string key;    // proto::stream_key: the checker's name for the stream
    std::string label;  // the key for the report
    json filter;
    std::uint32_t board = 0;  // meaningful when filtered by board
    std::unique_ptr<recording_subscriber> reference;
    // The server's current view once publishing is over: rows and top position.
    row_map view_rows;
    std::optional<proto::stream_position> top;
};

// Where to connect to a socket listening on `listen`: itself, or loopback when it listens everywhere.
asio::ip::address connect_address(const asio::ip::address& listen) {
    if (!listen.is_unspecified()) return listen;
    return listen.is_v4() ? asio::ip::address(asio::ip::address_v4::loopback())
                          : asio::ip::address(asio::ip::address_v6::loopback());
}

// A temporary folder for the --db file, removed with its contents at the end.
class temp_dir {
public:
    temp_dir() {
        char tmpl[] = "/tmp/rt-partition-XXXXXX";
        if (mkdtemp(tmpl)) path_ = tmpl;
    }
    ~temp_dir() {
        if (path_.empty()) return;
        for (const char* f : {"/rt.db", "/rt.db-wal", "/rt.db-shm", "/rt.db-journal"}) unlink((path_ + f).c_str());
        rmdir(path_.c_str());
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

class scenario_run {
public:
    scenario_run(const scenario& sc, const run_options& options) : sc_(sc), options_(options) {}

    result<scenario_report, std::string> run() {
        started_ = clock_type::now();
        report_.scenario = sc_.name;
        report_.description = sc_.description;
        report_.subscribers = sc_.subscribers;
        if (auto r = start_server(); !r) return make_unexpected(r.error());
        if (auto r = start_proxy(); !r) return make_unexpected(r.error());
        if (auto r = setup_tasks(); !r) return make_unexpected(r.error());
        sub_loop_.start(sc_.client_threads);
        ref_loop_.start(1);  // a handful of direct subscribers
        if (auto r = start_subscribers(); !r) {
            shutdown();
            return make_unexpected(r.error());
        }
        play();
        settle();
        drain();
        compare_states();
        report_.proxy_stats = proxy_->stats();
        shutdown();
        check();
        report_.elapsed_s = std::chrono::duration<double>(clock_type::now() - started_).count();
        return std::move(report_);
    }

private:
    void progress(const std::string& line) const {
        if (options_.progress) options_.progress("[" + proto::format_duration_us(clock_type::now() - started_) + "] " + line);
    }

    result<void, std::string> start_server() {
        if (options_.upstream.empty() && !sc_.target.empty()) return use_target();
        if (!options_.upstream.empty()) {
            auto ep = parse_host_port(options_.upstream);
            if (!ep) return make_unexpected("--upstream: " + ep.error());
            upstream_ = *ep;
            server_url_ = "ws://" + to_string(upstream_) + "/live";
            progress("using the server at " + server_url_);
            return {};
        }
        auto listen = parse_host_port(options_.server_listen);
        if (!listen) return make_unexpected("--server-listen: " + listen.error());
        server_launch launch;
        launch.listen_host = listen->address().to_string();
        launch.listen_port = listen->port();
        launch.binary = options_.server_binary.empty() ? std::string("/proc/self/exe") : options_.server_binary;
        launch.spec_path = sc_.spec_path;
        launch.extra_args = sc_.server_args;
        if (sc_.durable) {
            db_dir_ = std::make_unique<temp_dir>();
            if (db_dir_->path().empty()) return make_unexpected(std::string("cannot create a temporary folder for --db"));
            launch.db_path = db_dir_->path() + "/rt.db";
        }
        server_ = std::make_unique<server_process>(launch);
        auto r = server_->start(server_start_timeout);
        if (!r) return make_unexpected("cannot start rt serve: " + r.error());
        upstream_ = asio::ip::tcp::endpoint(connect_address(listen->address()), server_->port());
        server_url_ = server_->ws_url();
        progress("started rt serve on " + server_url_ + (sc_.durable ? " with --db " + launch.db_path : ""));
        return {};
    }

    // An external server: the proxy goes in front of the target's host and port; clients keep its path.
    result<void, std::string> use_target() {
        auto url = client::parse_ws_url(sc_.target);
        if (!url) return make_unexpected("target: " + url.error());
        auto ep = parse_host_port(proto::to_string(proto::host_port{url->host, url->port}));
        if (!ep) return make_unexpected("target: " + ep.error() + " (the fault proxy needs an IP address or localhost)");
        upstream_ = *ep;
        server_url_ = sc_.target;
        target_path_ = url->path + (url->query.empty() ? "" : "?" + url->query);
        if (url->secure) {  // the proxy passes TLS through: subscribers speak it to the target's certificate
            proxy_scheme_ = "wss://";
            target_host_ = url->host;
        }
        progress("using the external target " + server_url_ + " (no server of ours)");
        return {};
    }

    result<void, std::string> start_proxy() {
        auto listen = parse_host_port(options_.proxy_listen);
        if (!listen) return make_unexpected("--proxy-listen: " + listen.error());
        fault_proxy_config cfg;
        cfg.listen = *listen;
        cfg.upstream = upstream_;
        cfg.max_queued_bytes = sc_.proxy_max_queued_bytes;
        proxy_ = std::make_unique<fault_proxy>(cfg);
        std::error_code ec;
        proxy_->start(ec);
        if (ec) return make_unexpected("cannot start the fault proxy: " + ec.message());
        auto bound = proxy_->local_endpoint();
        bound.address(connect_address(bound.address()));
        proxy_url_ = proxy_scheme_ + to_string(bound) + target_path_;
        progress("fault proxy on " + to_string(proxy_->local_endpoint()));
        return {};
    }

    // The workload on the scenario's spec (the spec of our server, or the one the external target
    // runs; `rt partition run` has planned it once already, to refuse a spec it cannot drive).
    result<void, std::string> plan_workload() {
        auto app = spec::load_spec_file(sc_.spec_path);
        // No spec file here (an external target's scenario need not carry one): ask the server.
        if (!app) {
            auto text = fetch_server_spec();
            if (!text)
                return make_unexpected("cannot read the spec " + sc_.spec_path + " (" + app.error().front().message +
                                       "), nor fetch it from the server: " + text.error());
            app = spec::parse_spec(*text, server_url_ + " GET /api/_spec");
            if (!app) return make_unexpected("the server's spec: " + app.error().front().to_string());
        }
        app_ = std::make_unique<spec::app>(std::move(app).value());
        auto w = plan_scenario_workload(sc_, *app_);
        if (!w) return make_unexpected("cannot drive the spec " + sc_.spec_path + ": " + w.error());
        workload_ = std::move(w).value();
        rows_ = std::make_unique<spec::row_maker>(*app_, workload_.plan);
        report_.workload = spec::to_json(workload_.plan);
        progress("workload: " + spec::describe(workload_.plan, *app_));
        return {};
    }

    // GET /api/_spec from the server's host and port, with the scenario's token.
    result<std::string, std::string> fetch_server_spec() const {
        auto ws = client::parse_ws_url(server_url_);
        if (!ws) return make_unexpected(ws.error());
        auto res = client::http_exchange(client::http_base_of(*ws), client::http_call{"GET", "/api/_spec", "", sc_.token},
                                         spec_fetch_timeout, sc_.tls);
        if (!res) return make_unexpected(res.error());
        if (res->status != 200) return make_unexpected("GET /api/_spec: HTTP " + std::to_string(res->status));
        return res->body;
    }

    result<void, std::string> setup_tasks() {
        if (auto r = plan_workload(); !r) return r;
        publisher_plan plan;
        plan.url = server_url_;
        plan.token = sc_.token;
        plan.tls = sc_.tls;
        if (is_rest_url(sc_.publish_url)) {
            auto rest = client::parse_http_url(sc_.publish_url);
            if (!rest) return make_unexpected("publish_url: " + rest.error());
            plan.rest = *rest;
            progress("publishing over REST to " + sc_.publish_url);
        } else if (!sc_.publish_url.empty()) {
            plan.url = sc_.publish_url;
        }
        plan.run_tag = run_tag_;
        plan.app = app_.get();
        plan.workload = workload_.plan;
        plan.boards = workload_.row_groups;
        plan.tasks_per_board = workload_.rows_per_group;
        plan.rate_per_s = sc_.rate_per_s;
        plan.payload_bytes = sc_.payload_bytes;
        plan.duration_ms = sc_.duration_ms;
        publisher_ = std::make_unique<scenario_publisher>(plan);
        auto r = publisher_->create_tasks(setup_timeout);
        if (!r) return make_unexpected("cannot create the run's tasks: " + r.error());
        return {};
    }

    proto::client_session_options session_options(std::uint64_t seed) const {
        proto::client_session_options o;
        o.backoff.base = sc_.backoff_base_ms;
        o.backoff.cap = sc_.backoff_cap_ms;
        o.seed = seed;  // each client its own: a crowd spreads out
        return o;
    }

    result<void, std::string> start_subscribers() {
        const std::uint32_t n_streams = workload_.plan.groups;
        const std::string& watched = workload_.plan.subscription;
        for (std::uint32_t b = 0; b < n_streams; ++b) {
            stream_info s;
            s.board = b;
            const json filter = rows_->filter(b, run_tag_);
            s.filter = filter.is_null() ? json::object() : filter;
            s.key = proto::stream_key(watched, s.filter);
            s.label = proto::stream_label(s.key);
            recorder_options ro{"reference " + s.label, server_url_, sc_.token, watched, s.filter,
                                session_options(1'000'000 + b), workload_.plan.vary_attr, sc_.tls, ""};
            auto ref = recording_subscriber::create(ref_loop_, ro);
            if (!ref) return make_unexpected(ref.error());
            s.reference = std::move(ref.value());
            streams_.push_back(std::move(s));
        }
        report_.streams = n_streams;
        for (auto& s : streams_) s.reference->start();
        if (!wait_until([&] { return count_subscribed(true) == streams_.size(); }, sc_.connect_timeout_ms))
            return make_unexpected("reference subscribers did not subscribe within " + proto::format_duration_us(sc_.connect_timeout_ms));

        const auto t0 = clock_type::now();
        for (std::uint32_t i = 0; i < sc_.subscribers; ++i) {
            const stream_info& s = streams_[i % n_streams];
            recorder_options ro{"sub-" + std::to_string(i), proxy_url_, sc_.token, watched, s.filter,
                                session_options(i + 1), workload_.plan.vary_attr, sc_.tls, target_host_};
            auto sub = recording_subscriber::create(sub_loop_, ro);
            if (!sub) return make_unexpected(sub.error());
            stream_of_.push_back(i % n_streams);
            subscribers_.push_back(std::move(sub.value()));
        }
        for (auto& sub : subscribers_) sub->start();
        if (!wait_until([&] { return count_subscribed(false) == subscribers_.size(); }, sc_.connect_timeout_ms))
            return make_unexpected("only " + std::to_string(count_subscribed(false)) + " of " +
                                   std::to_string(subscribers_.size()) + " subscribers subscribed within " +
                                   proto::format_duration_us(sc_.connect_timeout_ms));
        progress(std::to_string(subscribers_.size()) + " subscribers on " + std::to_string(n_streams) +
                 " streams subscribed through the proxy in " + proto::format_duration_us(clock_type::now() - t0));
        return {};
    }

    std::size_t count_subscribed(bool references) const {
        std::size_t n = 0;
        if (references) {
            for (const auto& s : streams_) n += s.reference->has_snapshot();
        } else {
            for (const auto& sub : subscribers_) n += sub->has_snapshot();
        }
        return n;
    }

    template <class Pred>
    bool wait_until(Pred pred, clock_type::duration timeout) const {
        const auto deadline = clock_type::now() + timeout;
        while (!pred()) {
            if (clock_type::now() >= deadline) return pred();
            std::this_thread::sleep_for(poll_interval);
        }
        return true;
    }

    // Publishes on a thread of its own while this thread plays the timeline.
    void play() {
        std::atomic<bool> stop{false};
        char rate[32];
        std::snprintf(rate, sizeof rate, "%g/s", sc_.rate_per_s);
        progress(std::string("publishing at ") + rate + " for " + proto::format_duration_us(sc_.duration_ms));
        const auto start = clock_type::now();
        play_start_us_ = steady_clock_us(start);
        std::thread publisher([&] { publisher_->run(stop); });
        for (const auto& step : sc_.timeline) {
            std::this_thread::sleep_until(start + step.at_ms);
            step_record rec{step.at_ms.count(), 0, step.text, "ok"};
            rec.actual_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
            rec.outcome = apply(step);
            progress("step " + step.text + (rec.outcome == "ok" ? "" : ": " + rec.outcome));
            report_.steps.push_back(std::move(rec));
        }
        publisher.join();  // bounded by the plan's duration plus one reply timeout
        const auto& c = publisher_->counters();
        progress("published " + std::to_string(c.acked) + " changes (" + std::to_string(c.skipped) + " ticks skipped)");
    }

    std::string apply(const scenario_step& step) {
        switch (step.action) {
            case step_action::fault:
                proxy_->apply(step.command);
                return "ok";
            case step_action::kill_server:
                if (external()) return run_step_command("kill_cmd", sc_.kill_cmd, true);
                if (!server_) return "no server of ours to kill (--upstream)";
                server_->kill_hard();
                server_killed_ = true;
                return "ok";
            case step_action::restart_server: {
                if (external()) return run_step_command("restart_cmd", sc_.restart_cmd, false);
                if (!server_) return "no server of ours to restart (--upstream)";
                auto r = server_->start(server_start_timeout);
                if (!r) {
                    report_.errors.push_back("restart_server: " + r.error());
                    return r.error();
                }
                server_killed_ = false;
                return "ok";
            }
        }
        return "ok";
    }

    // What a connection direct to the server sends and trusts.
    client::ws_options direct_ws_options() const {
        client::ws_options ws;
        ws.token = sc_.token;
        ws.tls = sc_.tls;
        return ws;
    }

    bool external() const { return options_.upstream.empty() && !sc_.target.empty(); }

    // kill_cmd / restart_cmd of an external target: the command must exit 0 within command_timeout;
    // after a restart the target must accept a WebSocket connection again within server_start_timeout.
    std::string run_step_command(const std::string& key, const std::string& command, bool kills) {
        auto r = run_shell_command(command, sc_.command_timeout_ms);
        if (r && !kills) r = wait_for_target();
        if (!r) {
            report_.errors.push_back(key + ": " + r.error());
            return r.error();
        }
        server_killed_ = kills;
        return "ok";
    }

    result<void, std::string> wait_for_target() {
        client::ws_options ws = direct_ws_options();
        std::string last;
        const auto deadline = clock_type::now() + server_start_timeout;
        do {
            auto c = client::sync_client::connect(server_url_, target_probe_timeout, ws);
            if (c) return {};
            last = c.error();
            std::this_thread::sleep_for(poll_interval);
        } while (clock_type::now() < deadline);
        return make_unexpected("the target " + server_url_ + " did not accept a connection within " +
                               proto::format_duration_us(server_start_timeout) + " after the command (" + last + ")");
    }

    // After publishing: heal whatever is left, bring the server back, and learn each stream's
    // final state from the server itself.
    void settle() {
        if (!proxy_->list_faults().empty()) progress("healing the faults still in force");
        proxy_->clear_faults();
        if (server_killed_) {
            progress("restarting the server the timeline left down");
            if (external()) {
                run_step_command("restart_cmd", sc_.restart_cmd, false);
            } else if (auto r = server_->start(server_start_timeout); !r) {
                report_.errors.push_back("final restart: " + r.error());
            }
            server_killed_ = false;
        }
        // Every acknowledged change must reach its stream's (unfaulted) reference subscriber.
        std::map<std::uint32_t, std::set<std::string>> acked_by_stream;
        for (const auto& a : publisher_->acked())
            acked_by_stream[workload_.stream_of(a.board)].insert(a.key);
        auto missing = [&] {
            std::uint64_t n = 0;
            for (auto& s : streams_) {
                std::set<std::string> seen;
                for (const auto& e : s.reference->history().received) seen.insert(e.key);
                for (const auto& k : acked_by_stream[s.board]) n += !seen.count(k);
            }
            return n;
        };
        wait_until([&] { return missing() == 0; }, reference_catch_up);
        report_.acked_not_delivered = missing();
        for (auto& s : streams_) {
            auto view = fetch_view(s);
            if (view) continue;
            // One failure means the server is unreachable: stop there rather than wait on each stream.
            report_.errors.push_back("reading the server's view of " + s.label + ": " + view.error());
            break;
        }
    }

    // A fresh subscribe, direct to the server: its snapshot is the current view and its seq the top.
    result<void, std::string> fetch_view(stream_info& s) {
        client::ws_options ws = direct_ws_options();
        auto c = client::sync_client::connect(server_url_, view_timeout, ws);
        if (!c) return make_unexpected(c.error());
        auto& client = *c.value();
        const json id = "view";
        proto::subscribe_msg subscribe;
        subscribe.subscription = workload_.plan.subscription;
        subscribe.filter = s.filter;
        client.send_message(proto::client_message{id, std::move(subscribe)});
        auto reply = client.receive_reply(id, view_timeout);
        if (!reply) return make_unexpected(std::string("no reply to subscribe"));
        const auto* view = std::get_if<proto::subscribed_msg>(&reply->body);
        if (!view) return make_unexpected("refused: " + proto::encode_server(*reply));
        s.top = view->position;
        s.view_rows.clear();
        for (const auto& row : view->initial) s.view_rows[proto::row_key(row)] = row;
        return {};
    }

    bool at_top(const recording_subscriber& sub, const stream_info& s) const {
        auto pos = sub.position();
        return s.top && pos && *pos == *s.top;
    }

    void drain() {
        const auto t0 = clock_type::now();
        auto lagging = [&] {
            std::size_t n = 0;
            for (std::size_t i = 0; i < subscribers_.size(); ++i) n += !at_top(*subscribers_[i], streams_[stream_of_[i]]);
            for (const auto& s : streams_) n += !at_top(*s.reference, s);
            return n;
        };
        bool done = wait_until([&] { return lagging() == 0; }, sc_.drain_timeout_ms);
        progress(done ? "every subscriber drained in " + proto::format_duration_us(clock_type::now() - t0)
                      : std::to_string(lagging()) + " subscribers still behind after " + proto::format_duration_us(sc_.drain_timeout_ms));
        for (std::size_t i = 0; i < subscribers_.size(); ++i) {
            const auto& s = streams_[stream_of_[i]];
            if (at_top(*subscribers_[i], s)) continue;
            ++report_.not_drained;
            if (report_.not_drained_examples.size() >= max_examples) continue;
            auto pos = subscribers_[i]->position();
            std::string detail = subscribers_[i]->name() + " at " +
                                 (pos ? pos->epoch + "/" + std::to_string(pos->seq) : std::string("no position")) +
                                 ", top " + (s.top ? s.top->epoch + "/" + std::to_string(s.top->seq) : "unknown") +
                                 " on " + s.label;
            std::string why = subscribers_[i]->stop_detail();
            report_.not_drained_examples.push_back(detail + (why.empty() ? "" : " (stopped: " + why + ")"));
        }
        for (const auto& s : streams_)
            if (!at_top(*s.reference, s)) report_.errors.push_back("reference subscriber of " + s.label + " did not reach the top");
    }

    // The rows each drained subscriber rebuilt (snapshot + events) must equal the server's view.
    void compare_states() {
        for (std::size_t i = 0; i < subscribers_.size(); ++i) {
            const auto& s = streams_[stream_of_[i]];
            if (!at_top(*subscribers_[i], s)) continue;  // already reported as not drained
            ++report_.states_compared;
            state_diff d = compare_state(subscribers_[i]->rows(), s.view_rows);
            if (d.equal()) continue;
            ++report_.state_mismatches;
            if (report_.state_mismatch_examples.size() < max_examples)
                report_.state_mismatch_examples.push_back(subscribers_[i]->name() + " on " + s.label + ": " + json(d).dump());
        }
    }

    void shutdown() {
        for (auto& sub : subscribers_) sub->stop();
        for (auto& s : streams_) s.reference->stop();
        if (proxy_) proxy_->stop();
        if (server_) server_->stop(2s);
    }

    // The published history is what each stream's reference subscriber received: it sits next to
    // the server, outside every fault, and must itself have seen each stream without a hole.
    void check() {
        std::vector<published_event> published;
        for (const auto& s : streams_) {
            auto h = s.reference->history();
            if (s.reference->snapshots_after_first() > 0)
                report_.errors.push_back("reference subscriber of " + s.label +
                                         " resynced: the published history has a hole, the check is incomplete");
            std::string epoch;
            for (const auto& e : h.received) {
                if (e.from == delivery_source::snapshot) {
                    epoch = e.epoch;
                    continue;
                }
                if (e.epoch != epoch && !epoch.empty())
                    report_.errors.push_back("reference subscriber of " + s.label + " saw the epoch change without a snapshot");
                epoch = e.epoch;
                published.push_back(published_event{s.key, e.seq, e.key});
            }
        }
        report_.published_events = published.size();
        std::vector<subscriber_history> histories;
        histories.reserve(subscribers_.size());
        std::vector<outage_span> outages;
        for (const auto& sub : subscribers_) {
            histories.push_back(sub->history());
            for (const auto& o : sub->outages()) outages.push_back(o);
            auto c = sub->counters();
            report_.reconnects += c.reconnects;
            report_.resumed += c.resumed;
            report_.resynced += c.resynced;
            report_.gaps += c.gaps;
            report_.subscribers_reconnected += c.reconnects > 0;
            report_.subscribers_resynced += c.resynced > 0;
            for (auto us : sub->outage_us()) report_.reconnect_time.record(us);
        }
        report_.series = build_activity(histories, outages, play_start_us_, steady_clock_us(clock_type::now()), activity_bin_us);
        report_.series_bin_s = static_cast<double>(activity_bin_us) / 1e6;
        report_.delivery = check_delivery(published, histories);
        report_.publisher = publisher_->counters();
        check_expectations();
    }

    void check_expectations() {
        const auto& e = sc_.expect;
        auto need = [&](bool ok, const std::string& what) {
            if (!ok) report_.expectation_failures.push_back(what);
        };
        if (e.max_resyncs)
            need(report_.resynced <= *e.max_resyncs, "max_resyncs = " + std::to_string(*e.max_resyncs) + ", but " +
                                                         std::to_string(report_.resynced) + " resyncs");
        if (e.min_resyncs)
            need(report_.resynced >= *e.min_resyncs, "min_resyncs = " + std::to_string(*e.min_resyncs) + ", but " +
                                                         std::to_string(report_.resynced) + " resyncs");
        if (e.min_reconnects)
            need(report_.reconnects >= *e.min_reconnects, "min_reconnects = " + std::to_string(*e.min_reconnects) +
                                                              ", but " + std::to_string(report_.reconnects) + " reconnects");
        if (e.min_resumed)
            need(report_.resumed >= *e.min_resumed, "min_resumed = " + std::to_string(*e.min_resumed) + ", but " +
                                                        std::to_string(report_.resumed) + " resumes");
    }

    const scenario& sc_;
    const run_options& options_;
    clock_type::time_point started_;
    std::int64_t play_start_us_ = 0;  // steady clock µs when publishing started: the timeline's zero
    scenario_report report_;

    std::unique_ptr<temp_dir> db_dir_;  // durable scenarios only
    std::unique_ptr<server_process> server_;
    bool server_killed_ = false;
    asio::ip::tcp::endpoint upstream_;
    std::string server_url_;
    std::string target_path_ = "/live";  // path (and query) of the server's URL, the proxy's URL keeps it
    std::string proxy_scheme_ = "ws://";  // wss:// for a wss:// target
    std::string target_host_;  // a wss:// target's host: what the proxied subscribers verify its certificate for
    std::unique_ptr<fault_proxy> proxy_;
    std::string proxy_url_;
    std::unique_ptr<scenario_publisher> publisher_;
    // Makes the run's row ids unique on a long-lived server (an --upstream one).
    const std::string run_tag_ = "chaos" + std::to_string(getpid()) + "x" +
                                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::system_clock::now().time_since_epoch()).count() %
                                                100000000);
    std::unique_ptr<spec::app> app_;  // the scenario's spec, planned by plan_workload()
    scenario_workload workload_;
    std::unique_ptr<spec::row_maker> rows_;

    // Loops before the subscribers: the subscribers (and their connections) must go first.
    client::io_loop sub_loop_;
    client::io_loop ref_loop_;
    std::vector<stream_info> streams_;
    std::vector<std::unique_ptr<recording_subscriber>> subscribers_;
    std::vector<std::uint32_t> stream_of_;  // subscriber i watches streams_[stream_of_[i]]
};

}  // namespace

result<void, std::string> check_run_options(const run_options& options) {
    if (auto ep = parse_host_port(options.server_listen); !ep) return make_unexpected("--server-listen: " + ep.error());
    if (auto ep = parse_host_port(options.proxy_listen); !ep) return make_unexpected("--proxy-listen: " + ep.error());
    return {};
}

result<scenario_report, std::string> run_scenario(const scenario& sc, const run_options& options) {
    scenario_run run(sc, options);
    return run.run();
}

}  // namespace rt::chaos
