#include "loadgen/worker_fleet.hpp"

#include <signal.h>

#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "loadgen/run_stats.hpp"
#include "loadgen/worker_report.hpp"
#include "loadgen/workload_frames.hpp"
#include "os/child_process.hpp"
#include "protocol/worker_messages.hpp"

namespace rt::loadgen {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr auto parent_margin = 5s;  // over the workers' own waits: a worker times out first and says why
constexpr auto abort_grace = 15s;   // a worker told to stop closes its connections and removes its rows
constexpr auto exit_grace = 5s;     // after its result a worker only has to exit
constexpr auto pump_step = 10ms;
constexpr std::size_t stderr_lines_in_errors = 3;  // a dead worker's last words, in the error
// From the answer to `connected` to the first publish: the answer reaches every worker first.
constexpr std::int64_t publish_start_delay_us = 100'000;

struct worker_proc {
    std::uint32_t index = 0;
    std::unique_ptr<os::child_process> proc;
    std::size_t out_seen = 0, err_seen = 0;  // bytes of stdout / stderr already handled
    std::deque<result<proto::worker_message, std::string>> inbox;  // read, not yet gathered (or unreadable)
};

class fleet {
public:
    fleet(const loadgen_config& config, const progress_fn& relay, const std::atomic<bool>* interrupt)
        : config_(config), relay_(relay), interrupt_(interrupt) {}
    ~fleet() {
        for (auto& w : workers_) w.proc->kill_now();  // no-op for those that exited
    }
    fleet(const fleet&) = delete;
    fleet& operator=(const fleet&) = delete;

    result<void, std::string> start(const worker_command& command) {
        const std::string tag = new_run_tag();
        const std::uint32_t draw = std::random_device{}();
        os::child_options options;
        options.stdin_pipe = true;
        options.own_process_group = true;  // Ctrl-C reaches the parent, which says "interrupt"
        options.die_with_parent = true;
        std::string pids;
        for (std::uint32_t k = 0; k < config_.workers; ++k) {
            std::vector<std::string> argv{command.executable};
            argv.insert(argv.end(), command.args.begin(), command.args.end());
            for (auto& f : worker_flags(k, config_.workers, tag, draw + k)) argv.push_back(std::move(f));
            auto p = os::child_process::spawn(argv, options);
            if (!p) return make_unexpected("cannot start worker " + std::to_string(k) + ": " + p.error());
            pids += (k ? ", " : "") + std::to_string(p.value()->pid());
            workers_.emplace_back();
            workers_.back().index = k;
            workers_.back().proc = std::move(p).value();
        }
        say("started " + std::to_string(config_.workers) + " workers (pids " + pids + ")");
        return {};
    }

    // Waits until every worker sent a `type` message (at most `timeout`); their payloads by
    // worker, or the error naming the first worker that failed.
    result<std::vector<json>, std::string> gather(const std::string& type, std::chrono::milliseconds timeout) {
        std::vector<json> got(workers_.size());
        std::vector<bool> arrived(workers_.size(), false);
        std::size_t missing = workers_.size();
        const auto deadline = clock::now() + timeout;
        while (missing > 0) {
            pump();
            for (auto& w : workers_) {
                if (arrived[w.index]) continue;
                if (!w.inbox.empty()) {
                    auto m = std::move(w.inbox.front());
                    w.inbox.pop_front();
                    if (!m) return make_unexpected(name(w) + " sent an unreadable message: " + m.error());
                    if (const auto* e = std::get_if<proto::worker_error>(&*m))
                        return make_unexpected(name(w) + ": " + (e->message.empty() ? "failed" : e->message));
                    const auto* r = std::get_if<proto::worker_result>(&*m);
                    const auto* a = std::get_if<proto::worker_arrived>(&*m);
                    const std::string t = r ? "result" : a->phase;
                    if (t != type) return make_unexpected(name(w) + " sent '" + t + "' where '" + type + "' was due");
                    got[w.index] = r ? r->report : a->payload;
                    arrived[w.index] = true;
                    --missing;
                    continue;
                }
                if (!w.proc->running()) {
                    w.proc->join_output();  // what it wrote before exiting may still be in the pipe
                    pump();
                    if (!w.inbox.empty()) continue;
                    const auto code = w.proc->wait_exit(0ms).value_or(-1);
                    return make_unexpected(name(w) + " " + describe_exit(code) + " before reaching '" + type + "'" +
                                           last_words(w));
                }
            }
            if (missing == 0) break;
            if (clock::now() > deadline) {
                for (auto& w : workers_)
                    if (!arrived[w.index])
                        return make_unexpected(name(w) + " did not reach '" + type + "' within " +
                                               std::to_string(timeout.count() / 1000) + " s: killed" + last_words(w));
            }
            forward_interrupt();
            std::this_thread::sleep_for(pump_step);
        }
        return got;
    }

    void answer(const std::string& phase, const json& payload) {
        const std::string line = proto::encode_parent_message(proto::parent_go{phase, payload});
        for (auto& w : workers_) w.proc->write_stdin(line);
    }

    // Tells every worker still running to stop, gives them abort_grace to close their
    // connections and remove their rows, then kills (SIGKILL, by pid) those still there.
    void abort_all(const std::string& why) {
        const std::string line = proto::encode_parent_message(proto::parent_abort{"stopped by the parent: " + why});
        for (auto& w : workers_) w.proc->write_stdin(line);
        const auto deadline = clock::now() + abort_grace;
        auto any_running = [this] {
            for (auto& w : workers_)
                if (w.proc->running()) return true;
            return false;
        };
        while (any_running() && clock::now() < deadline) {
            pump();
            std::this_thread::sleep_for(pump_step);
        }
        for (auto& w : workers_) {
            if (w.proc->running()) say(name(w) + " did not stop in time: killed");
            w.proc->kill_now();
        }
        pump();
    }

    // After the results: each worker exits by itself, or is killed after exit_grace.
    void reap() {
        for (auto& w : workers_) {
            if (!w.proc->wait_exit(exit_grace)) {
                say(name(w) + " did not exit after its report: killed");
                w.proc->kill_now();
            }
            w.proc->join_output();
        }
        pump();
    }

    int pid_of(std::uint32_t k) const { return workers_[k].proc->pid(); }
    void say(const std::string& line) const {
        if (relay_) relay_("rt loadgen: " + line);
    }

private:
    std::string name(const worker_proc& w) const {
        return "worker " + std::to_string(w.index) + " (pid " + std::to_string(w.proc->pid()) + ")";
    }
    static std::string describe_exit(int code) {
        if (code > 128) return "was killed by signal " + std::to_string(code - 128);
        return "exited with code " + std::to_string(code);
    }
    std::string last_words(const worker_proc& w) const {
        const std::string lines = w.proc->recent_lines(stderr_lines_in_errors);
        return lines.empty() ? "" : "; its last lines:\n" + lines.substr(0, lines.size() - 1);
    }

    // Reads what the workers wrote since the last call: stdout messages into their inboxes (a
    // malformed one as its error, which fails the run when gathered), stderr lines (and stdout
    // lines that are not messages at all: nothing should print them, but a stray line is no
    // reason to fail a run) to relay_, prefixed.
    void pump() {
        for (auto& w : workers_) {
            const std::string out = w.proc->out();
            for (std::size_t nl; (nl = out.find('\n', w.out_seen)) != std::string::npos; w.out_seen = nl + 1) {
                const std::string line = out.substr(w.out_seen, nl - w.out_seen);
                auto m = proto::decode_worker_message(line);
                if (m) w.inbox.push_back(std::move(m).value());
                else if (!m.error().stray) w.inbox.push_back(make_unexpected(m.error().message));
                else if (relay_) relay_("w" + std::to_string(w.index) + " (stdout) " + line);
            }
            const std::string err = w.proc->err();
            for (std::size_t nl; (nl = err.find('\n', w.err_seen)) != std::string::npos; w.err_seen = nl + 1)
                if (relay_) relay_("w" + std::to_string(w.index) + " " + err.substr(w.err_seen, nl - w.err_seen));
        }
    }

    void forward_interrupt() {
        if (interrupted_sent_ || !interrupt_ || !interrupt_->load()) return;
        interrupted_sent_ = true;
        for (auto& w : workers_) w.proc->write_stdin(proto::encode_parent_message(proto::parent_interrupt{}));
    }

    const loadgen_config& config_;
    const progress_fn& relay_;
    const std::atomic<bool>* interrupt_;
    bool interrupted_sent_ = false;
    std::vector<worker_proc> workers_;
};

std::chrono::milliseconds parent_timeout(const loadgen_config& config, const std::string& phase) {
    return phase_timeout(config, phase) + parent_margin;
}

}  // namespace

std::vector<std::string> worker_flags(std::uint32_t index, std::uint32_t count, const std::string& run_tag,
                                      std::uint32_t source_draw) {
    return {"--worker", std::to_string(index) + "/" + std::to_string(count), "--run-tag", run_tag,
            "--source-draw", std::to_string(source_draw)};
}

result<loadgen_report, std::string> run_workers(const loadgen_config& config, const worker_command& command,
                                                const progress_fn& relay, const std::atomic<bool>* interrupt) {
    ::signal(SIGPIPE, SIG_IGN);  // a worker that died shows up as a failed write, not our death
    fleet f(config, relay, interrupt);
    auto fail = [&f](const std::string& why) {
        f.abort_all(why);
        return make_unexpected(why);
    };
    if (auto r = f.start(command); !r) return fail(r.error());

    auto connected = f.gather("connected", parent_timeout(config, "connected"));
    if (!connected) return fail(connected.error());
    std::uint64_t subscribed = 0;
    for (const auto& p : *connected) subscribed += p.value("subscribed", std::uint64_t{0});
    f.say(std::to_string(config.workers) + " workers connected, " + std::to_string(subscribed) + "/" +
          std::to_string(config.conns) + " subscribed: publishing");
    f.answer("connected", {{"publish_start_us", now_us() + publish_start_delay_us}});

    auto published = f.gather("published", parent_timeout(config, "published"));
    if (!published) return fail(published.error());
    std::vector<std::uint64_t> acked(config.boards, 0);
    for (const auto& p : *published) {
        const json& a = p.value("acked", json::array());
        for (std::size_t b = 0; b < a.size() && b < acked.size(); ++b)
            if (a[b].is_number_unsigned()) acked[b] += a[b].get<std::uint64_t>();
    }
    f.answer("published", {{"acked", acked}});

    auto drained = f.gather("drained", parent_timeout(config, "drained"));
    if (!drained) return fail(drained.error());
    f.answer("drained", json::object());

    auto results = f.gather("result", parent_timeout(config, "result"));
    if (!results) return fail(results.error());
    f.reap();
    std::vector<worker_part> parts;
    for (std::uint32_t k = 0; k < results->size(); ++k) {
        auto r = from_worker_json((*results)[k]);
        if (!r) return make_unexpected("worker " + std::to_string(k) + "'s report: " + r.error());
        parts.push_back({k, f.pid_of(k), std::move(r).value()});
    }
    return merge_worker_reports(config, parts);
}

}  // namespace rt::loadgen
