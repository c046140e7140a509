#include "client/reconnecting_subscriber.hpp"

#include "client/ws_url.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/units.hpp"

namespace rt::client {

using proto::update_kind;

result<std::shared_ptr<reconnecting_subscriber>, std::string> reconnecting_subscriber::create(
    io_loop& loop, subscriber_options options, std::vector<proto::subscription_request> subs,
    subscriber_callbacks callbacks) {
    auto parsed = parse_ws_url(options.url);
    if (!parsed) return make_unexpected(parsed.error());
    auto r = std::make_shared<reconnecting_subscriber>(loop, std::move(options), std::move(callbacks));
    r->display_url_ = to_string(parsed.value());  // the token lives in ws.token, never in this text
    for (auto& s : subs) r->session_.subscribe(std::move(s));
    return r;
}

reconnecting_subscriber::reconnecting_subscriber(io_loop& loop, subscriber_options options, subscriber_callbacks callbacks)
    : loop_(loop), options_(std::move(options)), callbacks_(std::move(callbacks)), session_(options_.session) {}

reconnecting_subscriber::~reconnecting_subscriber() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    stopped_ = true;
    retry_timer_.cancel();
    con_.reset();  // closes with 1001
}

void reconnecting_subscriber::start() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (started_ || stopped_) return;
    started_ = true;
    connect_locked();
}

void reconnecting_subscriber::stop() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (stopped_) return;
    retry_timer_.cancel();
    if (con_) con_->close(proto::close_code::normal, "bye");
    finish_locked(stop_reason::stopped, "stopped");
}

void reconnecting_subscriber::drop_connection() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    // dropped_by_client: the server sees a close, we see its echo
    // and go through the same reconnect path as after a network failure.
    if (con_) con_->close(proto::close_code::dropped_by_client, "dropped by client");
}

std::error_code reconnecting_subscriber::send(std::string_view text) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (!con_ || !open_) return std::make_error_code(std::errc::not_connected);
    return con_->send(text);
}

bool reconnecting_subscriber::is_connected() const {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    return open_;
}

bool reconnecting_subscriber::is_stopped() const {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    return stopped_;
}

proto::session_counters reconnecting_subscriber::counters() const {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    return session_.counters();
}

std::map<std::string, proto::json> reconnecting_subscriber::rows(std::string_view subscription) const {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const auto* s = session_.find(subscription);
    return s ? s->rows : std::map<std::string, proto::json>{};
}

std::optional<proto::stream_position> reconnecting_subscriber::position(std::string_view subscription) const {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const auto* s = session_.find(subscription);
    return s ? s->position : std::nullopt;
}

void reconnecting_subscriber::status(const std::string& line) {
    if (callbacks_.on_status) callbacks_.on_status(line);
}

// Opens a new connection; its callbacks carry the generation so a late callback from an older
// connection is ignored. Caller holds the lock.
void reconnecting_subscriber::connect_locked() {
    const std::uint64_t gen = ++generation_;
    std::weak_ptr<reconnecting_subscriber> weak = weak_from_this();
    ws_handlers h;
    h.on_open = [weak, gen] {
        if (auto r = weak.lock()) r->on_open(gen);
    };
    h.on_message = [weak, gen](std::string_view text) {
        if (auto r = weak.lock()) r->on_message(gen, text);
    };
    h.on_close = [weak, gen](int code, std::string reason) {
        if (auto r = weak.lock()) r->on_close(gen, code, std::move(reason));
    };
    open_ = false;
    auto con = ws_connection::connect(loop_, options_.url, std::move(h), options_.ws);
    if (!con) {  // the URL was checked in create(); only options can fail here
        finish_locked(stop_reason::refused, con.error());
        return;
    }
    con_ = std::move(con.value());
}

void reconnecting_subscriber::on_open(std::uint64_t gen) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (gen != generation_ || stopped_) return;
    open_ = true;
    status("connected to " + display_url_);
    send_all_locked(session_.on_connected());
}

void reconnecting_subscriber::on_message(std::uint64_t gen, std::string_view text) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (gen != generation_ || stopped_) return;
    proto::server_message m;
    // One update per message, one per item of an `events` frame (a batched throttle window).
    for (const auto& u : session_.handle_text_all(text, m)) {
        dispatch_locked(u, m);
        if (stopped_) return;
    }
}

namespace {
std::string name_list(const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out + "]";
}
// "1 row", "0 rows", "12 rows".
std::string rows_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

}  // namespace

void reconnecting_subscriber::dispatch_locked(const proto::session_update& u, const proto::server_message& m) {
    send_all_locked(u.to_send);
    const std::string& sub = u.subscription;
    switch (u.kind) {
        case update_kind::snapshot:
            if (u.reason == "spec_changed") {
                const auto pos = session_.find(sub) ? session_.find(sub)->position : std::nullopt;
                status("spec changed: " + sub + " resynced, epoch " + (pos ? pos->epoch : std::string("?")) + ", " +
                       rows_text(u.rows));
            } else {
                status(u.resync ? sub + ": resynced from snapshot of " + rows_text(u.rows)
                                : sub + ": snapshot of " + rows_text(u.rows));
            }
            break;
        case update_kind::spec_changed:
            status("spec changed (version " + u.spec->version + "): added " + name_list(u.spec->added) + ", changed " +
                   name_list(u.spec->changed) + ", removed " + name_list(u.spec->removed));
            break;
        case update_kind::ended:
            status(sub + ": ended by the server (" + u.reason + (u.reason == "spec_changed" ? ": the new spec removed it)" : ")"));
            break;
        case update_kind::resumed:
            status(sub + ": resumed with " + std::to_string(u.replayed) + " replayed events");
            break;
        case update_kind::gap:
            status(sub + ": gap after seq " + std::to_string(u.expected.seq) + " (got " +
                   std::to_string(u.received.seq) + "); resuming");
            break;
        case update_kind::epoch_changed:
            status(sub + ": history lost (epoch " + u.expected.epoch + " -> " + u.received.epoch + "); resyncing");
            break;
        case update_kind::error: {
            std::string what = u.error ? std::string(proto::to_wire(u.error->code)) + ": " + u.error->message
                                       : std::string("error");
            status("server error " + what + (sub.empty() ? "" : " (" + sub + ")"));
            break;
        }
        default:
            break;
    }
    if (callbacks_.on_update) callbacks_.on_update(u);
    if (stopped_) return;
    if (u.kind == update_kind::event && callbacks_.on_event) callbacks_.on_event(*u.event);
    if (u.kind == update_kind::other && callbacks_.on_other) callbacks_.on_other(m);
    if (stopped_) return;

    const auto any_left = [this] {
        for (const auto& [name, s] : session_.subscriptions())
            if (s.phase != proto::subscription_phase::refused && s.phase != proto::subscription_phase::ended) return true;
        return false;
    };
    if (u.kind == update_kind::ended && !any_left()) {
        retry_timer_.cancel();
        if (con_) con_->close(proto::close_code::normal, "ended");
        finish_locked(stop_reason::ended, sub + " ended by the server (" + u.reason + ")");
        return;
    }
    if (u.kind == update_kind::error && u.fatal) {
        const bool any = any_left();
        std::string what = u.error ? std::string(proto::to_wire(u.error->code)) + ": " + u.error->message : "refused";
        if (sub.empty() || !any) {
            retry_timer_.cancel();
            if (con_) con_->close(proto::close_code::normal, "refused");
            finish_locked(stop_reason::refused, what);
        }
    }
}

void reconnecting_subscriber::on_close(std::uint64_t gen, int code, std::string reason) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (gen != generation_ || stopped_) return;
    const bool was_open = open_;
    open_ = false;
    const auto delay = session_.on_disconnected();
    const int attempt = session_.attempt();
    std::string why = was_open ? "disconnected (" + std::to_string(code) + (reason.empty() ? "" : " " + reason) + ")"
                               : "cannot connect to " + display_url_ + ": " + reason;
    if (code == proto::close_code::auth_failed) {  // the server's "authentication failed": asking again cannot help
        finish_locked(stop_reason::refused, why);
        return;
    }
    if (code == close_tls_failed) {  // the same certificate will fail again
        finish_locked(stop_reason::untrusted, why);
        return;
    }
    if (options_.max_retries >= 0 && attempt > options_.max_retries) {
        status(why + "; giving up after " + std::to_string(attempt - 1) + " retries");
        finish_locked(stop_reason::gave_up, why);
        return;
    }
    status(why + "; reconnecting in " + proto::format_duration_us(delay) + " (attempt " + std::to_string(attempt) + ")");
    std::weak_ptr<reconnecting_subscriber> weak = weak_from_this();
    retry_timer_ = loop_.run_after(delay, [weak, gen] {
        auto r = weak.lock();
        if (!r) return;
        std::lock_guard<std::recursive_mutex> lock(r->mutex_);
        if (r->stopped_ || r->generation_ != gen) return;
        r->connect_locked();
    });
}

void reconnecting_subscriber::send_all_locked(const std::vector<std::string>& frames) {
    if (!con_) return;
    for (const auto& f : frames) {
        // A failed send means the connection is going down; on_close follows and resubscribes.
        if (con_->send(f)) break;
    }
}

void reconnecting_subscriber::finish_locked(stop_reason why, const std::string& detail) {
    if (stopped_) return;
    stopped_ = true;
    open_ = false;
    if (callbacks_.on_stopped) callbacks_.on_stopped(why, detail);
}

}  // namespace rt::client
