// `rt subscribe`: flags → client::reconnecting_subscriber (reconnect, resume, dedup) → lines on stdout.
// Formatting lives in client/event_format, parsing in client/client_args; this file wires them
// to the process: stdout/stderr, --count/--timeout, SIGINT/SIGTERM, exit codes.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/client_flags.hpp"
#include "cli/commands.hpp"
#include "client/client_args.hpp"
#include "client/event_format.hpp"
#include "client/reconnecting_subscriber.hpp"
#include "os/stop_signals.hpp"
#include "protocol/throttle_value.hpp"
#include "protocol/units.hpp"

namespace rt::cli {

namespace {

constexpr int exit_done = 0;
constexpr int exit_gave_up = 1;
constexpr int exit_refused = 3;
constexpr int exit_count_not_reached = 4;  // --timeout expired before --count events: a script must tell
constexpr int exit_untrusted = k_exit_tls_refused;
constexpr int exit_ended = 6;  // the server ended every subscription unasked (a spec reload removed them)

struct subscribe_flags {
    client_flags client;
    std::vector<std::string> subscriptions;
    std::vector<std::string> filters;
    std::string since, timeout, throttle;
    bool batch = false;
    std::string format = "json";
    std::uint64_t count = 0;
    int max_retries = -1;
    bool snapshot = false;
};

void status_line(const std::string& line) {
    std::fprintf(stderr, "rt subscribe: %s\n", line.c_str());
}

// What the loop thread's callbacks and the signal thread tell the main thread. The first
// finish() decides the exit code.
struct tail_state {
    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    int exit_code = exit_done;
    std::string message;
    std::uint64_t printed = 0;  // events written to stdout (loop thread only)

    void finish(int code, std::string why) {
        std::lock_guard<std::mutex> lock(mutex);
        if (finished) return;
        finished = true;
        exit_code = code;
        message = std::move(why);
        cv.notify_all();
    }
    bool is_finished() {
        std::lock_guard<std::mutex> lock(mutex);
        return finished;
    }
};

// Writes one line and flushes, so a pipe reader (jq, grep) sees each event as it comes. A closed
// stdout (`| head -3`) ends the command normally.
bool write_line(const std::string& line) {
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fputc('\n', stdout) == EOF ||
        std::fflush(stdout) != 0)
        return false;
    return true;
}

// Turns SIGINT/SIGTERM (os::stop_signals) into finish(0), on a thread of its own until destroyed.
class signal_watcher {
public:
    signal_watcher(os::stop_signals& signals, std::shared_ptr<tail_state> st) : signals_(signals) {
        thread_ = std::thread([this, st = std::move(st)] {
            while (const int sig = signals_.wait()) st->finish(exit_done, sig == SIGINT ? "interrupted" : "terminated");
        });
    }
    ~signal_watcher() {
        signals_.cancel();
        thread_.join();
    }

private:
    os::stop_signals& signals_;
    std::thread thread_;
};

int run(const subscribe_flags& f) {
    if (auto usable = check_client_flags(f.client, "subscribe"); !usable) return usage_error("subscribe", usable.error());
    // One --filter applies to every subscription; N of them (one per SUBSCRIPTION) go in order.
    if (f.filters.size() > 1 && f.filters.size() != f.subscriptions.size())
        return usage_error("subscribe", "--filter: give one (for every subscription) or one per SUBSCRIPTION (" +
                           std::to_string(f.subscriptions.size()) + "), not " + std::to_string(f.filters.size()));
    std::vector<proto::json> filters;
    for (const auto& text : f.filters) {
        auto r = client::parse_json_object(text, "--filter");
        if (!r) return usage_error("subscribe", r.error());
        filters.push_back(std::move(*r));
    }
    std::optional<proto::stream_position> since;
    if (!f.since.empty()) {
        if (f.subscriptions.size() != 1)
            return usage_error("subscribe", "--since: a position belongs to one stream; give exactly one SUBSCRIPTION");
        auto r = client::parse_since(f.since);
        if (!r) return usage_error("subscribe", "--since: " + r.error());
        since = *r;
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (!f.timeout.empty()) {
        auto r = proto::parse_duration(f.timeout);
        if (!r) return usage_error("subscribe", "--timeout: " + r.error());
        timeout = *r;
    }
    std::optional<std::int64_t> throttle_ms;
    if (!f.throttle.empty()) {
        auto r = proto::parse_throttle(f.throttle);
        if (!r) return usage_error("subscribe", "--throttle: " + r.error());
        throttle_ms = *r;
    }
    // Without --throttle a batch is still possible: the spec's default window; the server refuses it if there is none.
    if (f.max_retries < -1) return usage_error("subscribe", "--max-retries: expected -1 (never give up) or a count >= 0");

    const bool pretty = f.format == "pretty";
    const bool color = pretty && client::use_color(isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));

    // A name listed twice (two TicketDetail filters) needs a sid per subscription: NAME#POSITION.
    std::set<std::string> names(f.subscriptions.begin(), f.subscriptions.end());
    const bool with_sids = names.size() != f.subscriptions.size();
    std::vector<proto::subscription_request> subs;
    for (std::size_t i = 0; i < f.subscriptions.size(); ++i) {
        proto::subscription_request r{f.subscriptions[i], proto::json::object(), since, {}};
        if (filters.size() == 1) r.filter = filters[0];
        else if (!filters.empty()) r.filter = filters[i];
        if (with_sids) r.sid = f.subscriptions[i] + "#" + std::to_string(i + 1);
        r.throttle_ms = throttle_ms;
        r.batch = f.batch;
        subs.push_back(std::move(r));
    }

    client::subscriber_options options;
    options.url = f.client.url;
    options.ws = ws_options_of(f.client);
    options.max_retries = f.max_retries;
    // Each process its own jitter, so many subscribers restarted together do not reconnect in step.
    options.session.seed = static_cast<std::uint64_t>(getpid()) ^
                           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());

    os::stop_signals signals;  // from here on SIGINT/SIGTERM wait for the watcher below
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as a write error instead
    auto st = std::make_shared<tail_state>();
    std::weak_ptr<client::reconnecting_subscriber> runner_ref;  // set before start(); read by callbacks

    client::subscriber_callbacks cb;
    cb.on_status = [st](const std::string& line) {
        if (!st->is_finished()) status_line(line);
    };
    cb.on_event = [st, &f, pretty, color](const proto::event_msg& e) {
        if (f.count > 0 && st->printed >= f.count) return;  // past --count while the stop is on its way
        if (!write_line(pretty ? client::event_pretty_line(e, color) : client::event_json_line(e))) {
            st->finish(exit_done, "stdout closed");
            return;
        }
        ++st->printed;
        if (f.count > 0 && st->printed == f.count) st->finish(exit_done, "");
    };
    cb.on_update = [st, &f, &runner_ref, pretty, color](const proto::session_update& u) {
        if (u.kind == proto::update_kind::error && u.fatal) {
            std::string what = u.error ? std::string(proto::to_wire(u.error->code)) + ": " + u.error->message : "refused";
            st->finish(exit_refused, "server refused " + (u.subscription.empty() ? "the connection" : u.subscription) +
                                         ": " + what);
            return;
        }
        // A live spec reload: the message itself as a JSON line for scripts (the status line on stderr says it for people).
        if (u.kind == proto::update_kind::spec_changed && !pretty) {
            if (!write_line(proto::encode_spec_changed(*u.spec))) st->finish(exit_done, "stdout closed");
            return;
        }
        if (u.kind != proto::update_kind::snapshot || !f.snapshot) return;
        auto runner = runner_ref.lock();
        if (!runner) return;
        const auto pos = runner->position(u.subscription).value_or(proto::stream_position{});
        for (const auto& [id, row] : runner->rows(u.subscription)) {
            const std::string line = pretty ? client::snapshot_pretty_line(u.subscription, row, pos, color)
                                            : client::snapshot_json_line(u.subscription, row, pos);
            if (!write_line(line)) {
                st->finish(exit_done, "stdout closed");
                return;
            }
        }
    };
    cb.on_stopped = [st](client::stop_reason why, const std::string& detail) {
        switch (why) {
            case client::stop_reason::stopped: st->finish(exit_done, ""); break;
            case client::stop_reason::gave_up: st->finish(exit_gave_up, "gave up: " + detail); break;
            case client::stop_reason::refused: st->finish(exit_refused, "server refused: " + detail); break;
            case client::stop_reason::untrusted: st->finish(exit_untrusted, detail); break;
            case client::stop_reason::ended: st->finish(exit_ended, detail); break;
        }
    };

    client::io_loop loop;
    loop.start(1);
    auto created = client::reconnecting_subscriber::create(loop, options, std::move(subs), std::move(cb));
    if (!created) {
        loop.stop();
        return usage_error("subscribe", "--url: " + created.error());
    }
    std::shared_ptr<client::reconnecting_subscriber> runner = std::move(created.value());
    runner_ref = runner;

    int code = exit_done;
    std::string message;
    {
        signal_watcher watcher(signals, st);
        runner->start();
        std::unique_lock<std::mutex> lock(st->mutex);
        if (timeout) {
            if (!st->cv.wait_for(lock, *timeout, [&] { return st->finished; })) {
                st->finished = true;
                const bool short_of_count = f.count > 0 && st->printed < f.count;
                st->exit_code = short_of_count ? exit_count_not_reached : exit_done;
                st->message = "timeout after " + f.timeout +
                              (short_of_count ? " before --count " + std::to_string(f.count) : std::string());
            }
        } else {
            st->cv.wait(lock, [&] { return st->finished; });
        }
        code = st->exit_code;
        message = st->message;
    }
    runner->stop();  // no callback prints after this returns
    runner.reset();
    loop.stop();
    std::fflush(stdout);
    if (!message.empty()) status_line(message + " (" + std::to_string(st->printed) + " events)");
    return code;
}

}  // namespace

void register_subscribe(CLI::App& app, registry& reg) {
    auto f = std::make_shared<subscribe_flags>();
    CLI::App* cmd = app.add_subcommand("subscribe", "Tail live events of one or more subscriptions; reconnects and resumes by itself");
    cmd->footer(std::string(
        "Examples:\n"
        "  rt subscribe AllTasks                                   # every change, one JSON line each\n"
        "  rt subscribe TaskUpdates --filter '{\"board\":\"b1\"}' --format pretty\n"
        "  rt subscribe TaskDetail --filter '{\"id\":\"t1\"}' --count 1   # wait for the next change to t1\n"
        "  rt subscribe AllTasks --since 9f2c:41                   # resume from an event seen earlier\n"
        "  rt subscribe TaskDetail TaskDetail --filter '{\"id\":\"t1\"}' --filter '{\"id\":\"t2\"}'  # two records\n"
        "  rt subscribe AllTasks | jq -r '.data.title'\n"
        "  rt subscribe Cursors --throttle 250ms --batch         # at most one event per row per 250ms, one frame each\n"
        "\nstdout: one line per event: the server's event object as JSON ({\"type\":\"event\",\"subscription\",\n"
        "\"operation\",\"data\",\"epoch\",\"seq\",\"ts\"}), or with --format pretty a readable line (colored on a\n"
        "terminal unless NO_COLOR is set). --snapshot adds the initial rows (and those of any resync after\n"
        "lost history) as {\"type\":\"snapshot\",\"operation\":\"snapshot\",\"data\":ROW,...} lines.\n"
        "stderr: status (connected, snapshot of N rows, reconnecting in 1.6 s (attempt 3), resumed with K\n"
        "replayed events, resynced from snapshot). Each event is printed once and in order, also across\n"
        "reconnects: the client resumes from the last seq it printed. With --batch, each event of a batched\n"
        "window is still printed as its own line (an {\"type\":\"event\",...} object, as if unbatched).\n"
        "A live spec reload on the server: stderr says \"spec changed (version V): added [..], changed [..],\n"
        "removed [..]\" and, in json format, stdout gets the spec_changed message as a line; a changed\n"
        "subscription prints \"spec changed: S resynced, epoch E, N rows\" and goes on under its new epoch.\n") +
        k_client_flags_help +
        "Exit codes: 0 done (--count reached, --timeout expired without --count, SIGINT/SIGTERM, or\n"
        "stdout closed); 1 gave up connecting (--max-retries reconnects failed in a row); 2 usage error\n"
        "(bad flag, JSON, --since or URL); 3 the server refused (AUTH_REQUIRED, FORBIDDEN,\n"
        "UNKNOWN_SUBSCRIPTION, INVALID_FILTER), for any listed subscription; 4 --timeout expired before\n"
        "--count events arrived; 5 the server's TLS certificate was refused (wss://: unknown CA, expired,\n"
        "wrong host name); 6 the server ended every subscription unasked (a spec reload removed them).");
    add_client_flags(*cmd, f->client);
    cmd->add_option("SUBSCRIPTION", f->subscriptions, "Subscriptions declared in the server's spec (TaskUpdates ...)")
        ->required();
    cmd->add_option("--filter", f->filters,
                    "Filter as a JSON object: once for every listed subscription, or once per SUBSCRIPTION in order "
                    "(a name listed twice gets a sid NAME#POSITION, echoed in its events): '{\"board\":\"b1\"}'")
        ->allow_extra_args(false);  // each --filter takes one value, so SUBSCRIPTIONs may follow it
    cmd->add_option("--since", f->since, "Resume from EPOCH:SEQ (one subscription only); missed events are replayed");
    cmd->add_option("--count", f->count, "Exit 0 after N events (snapshot rows do not count)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--timeout", f->timeout, "Stop after DURATION (250ms, 5s, 2m): exit 0, or 4 if --count was given and not reached");
    cmd->add_option("--format", f->format, "json (one line per event, for jq) or pretty [json]")
        ->check(CLI::IsMember({"json", "pretty"}));
    cmd->add_option("--max-retries", f->max_retries,
                    "Failed reconnects in a row before giving up with exit 1; -1 never gives up [-1]");
    cmd->add_option("--throttle", f->throttle,
                    "Coalesced delivery: at most one event per row per DURATION (10ms..60s), the row's latest state");
    cmd->add_flag("--batch", f->batch,
                  "With a throttle (--throttle or the spec's default): each window arrives as one frame; "
                  "events are still printed one per line");
    cmd->add_flag("--snapshot", f->snapshot, "Also print the initial rows as JSON lines with operation \"snapshot\"");
    cmd->callback([f, &reg] { reg.action = [f] { return run(*f); }; });
}

}  // namespace rt::cli
