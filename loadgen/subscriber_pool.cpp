#include "loadgen/subscriber_pool.hpp"

#include <chrono>
#include <thread>

#include "loadgen/event_payload.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/messages.hpp"

namespace rt::loadgen {

subscriber_pool::subscriber_pool(client::io_loop& loop, const loadgen_config& config, run_stats& stats,
                                 const workload_frames& frames, std::vector<std::string> source_addresses,
                                 conn_range own)
    : loop_(loop), config_(config), stats_(stats), frames_(frames), deletes_(frames.mix().delete_pct > 0),
      slots_(own.count), source_ips_(std::move(source_addresses)) {
    // Events are small; the transports' default 16 MiB limit is for snapshots, which AllTasks may send.
    if (source_ips_.empty()) source_ips_.emplace_back();
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const std::uint32_t conn = own.first + i;
        slots_[i].board = config.mode == workload::boards ? conn % config.boards : 0;
        slots_[i].node = node_of_connection(config, conn, slots_[i].board);
    }
}

subscriber_pool::~subscriber_pool() { release(); }

std::string subscriber_pool::subscribe_text(const workload_frames& frames, std::uint32_t board,
                                            const std::optional<proto::stream_position>& since) {
    proto::subscribe_msg m = frames.subscribe(board);
    m.since = since;
    return subscribe_frame(m);
}

std::string subscriber_pool::subscribe_text(const loadgen_config& config, std::uint32_t board) {
    return subscribe_text(workload_frames(config, ""), board, std::nullopt);
}

std::string subscriber_pool::resume_text(const loadgen_config& config, std::uint32_t board,
                                         const proto::stream_position& since) {
    return subscribe_text(workload_frames(config, ""), board, since);
}

void subscriber_pool::open(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    if (s.state != slot_state::idle) return;
    s.state = slot_state::connecting;
    ++started_;
    connect(i);
}

bool subscriber_pool::churn(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    auto con = std::atomic_load(&s.con);
    if (!con || closing_ || s.state != slot_state::subscribed) return false;
    s.churn_start_us = now_us();
    slot_state expected = slot_state::subscribed;
    if (!s.state.compare_exchange_strong(expected, slot_state::churning)) return false;
    ++reconnects_started_;
    con->close("churn");
    return true;
}

void subscriber_pool::reconnect(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    s.resuming = true;
    s.subscribe_sent = false;
    // The new connection's on_open may run before connect() stores it: try_subscribe must find
    // no connection then, not the closed one (dropping it here is allowed inside its on_close).
    std::atomic_store(&s.con, std::shared_ptr<subscriber_link>());
    s.state = slot_state::connecting;
    connect(i);
}

void subscriber_pool::connect(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    s.connect_start_us = now_us();
    // A resume asks for what came after the last event seen (the old connection's handlers are
    // done: this runs in its on_close, or before the first connection).
    proto::subscribe_msg sub = frames_.subscribe(s.board);
    if (s.resuming) sub.since = proto::stream_position{s.epoch, s.tracker.highest_seq()};
    link_handlers h;
    h.on_open = [this, i] { on_open(i); };
    h.on_message = [this, i](std::string_view text) { on_message(i, text); };
    h.on_close = [this, i](int code, std::string reason) { on_close(i, code, reason); };
    auto con = open_link(loop_, config_, config_.urls[s.node], sub, source_ips_[i % source_ips_.size()], std::move(h));
    if (!con) {
        fail(i, con.error());
        return;
    }
    std::atomic_store(&s.con, std::move(con.value()));
    // A reconnect racing close_all(): either close_all saw the new connection or we see closing_.
    if (closing_) std::atomic_load(&s.con)->close("");
    try_subscribe(i);  // on_open may already have run, before the pointer was stored
}

void subscriber_pool::try_subscribe(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    auto con = std::atomic_load(&s.con);
    if (!con || s.state != slot_state::open || s.subscribe_sent.exchange(true)) return;
    if (con->subscribe()) fail(i, "could not send subscribe");
}

void subscriber_pool::on_open(std::uint32_t i) {
    subscriber_slot& s = slots_[i];
    s.open_us = now_us();
    if (!s.resuming) {  // connect figures are the ramp's; a reconnect counts in its own histogram
        stats_.record_connect(s.open_us - s.connect_start_us);
        ++opened_;
    }
    ++open_now_;
    s.state = slot_state::open;
    try_subscribe(i);
}

void subscriber_pool::on_message(std::uint32_t i, std::string_view text) {
    const std::int64_t receive_us = now_us();
    subscriber_slot& s = slots_[i];
    std::optional<event_fields> ev = scan_event(text, frames_.payload_attr());
    if (!ev) {
        auto m = proto::decode_server(text);
        if (!m) {
            ++stats_.unparsed;
            return;
        }
        if (const auto* subscribed = std::get_if<proto::subscribed_msg>(&m->body)) {
            if (!subscribed->reason.empty() && s.state == slot_state::subscribed) {
                // Unasked: a live spec reload changed the subscription (a new epoch): its seqs say
                // nothing about the publishes before, so the connection leaves the figures.
                s.left_out = true;
                s.epoch = subscribed->position.epoch;
                s.tracker = delivery_tracker(subscribed->position.seq);
                ++resynced_new_epoch_;
                return;
            }
            if (s.state != slot_state::open) return;
            on_subscribed(i, *subscribed, receive_us);
            return;
        }
        if (const auto* refused = std::get_if<proto::error_msg>(&m->body)) {
            std::string why = proto::describe(refused->error);
            if (s.state == slot_state::open) fail(i, "subscribe refused: " + why);
            else note_error("server error: " + why);
            return;
        }
        // A live spec reload's notice: news, not a delivery nor a protocol error.
        if (std::holds_alternative<proto::spec_changed_msg>(m->body)) return;
        // A batched throttle window (--batch): each item is one delivery.
        if (const auto* batch = std::get_if<proto::events_msg>(&m->body)) {
            for (const auto& e : batch->events) {
                auto times = times_of(e);
                if (!times) ++stats_.unparsed;
                else on_delivery(i, e.position.seq, *times, e.op == proto::operation::remove, receive_us);
            }
            return;
        }
        // An event the fast scan could not read (escapes in the title, say).
        const auto* e = std::get_if<proto::event_msg>(&m->body);
        std::optional<title_times> times = e ? times_of(*e) : std::nullopt;
        if (!times) {
            ++stats_.unparsed;
            return;
        }
        ev = event_fields{e->position.seq, *times};
    }
    on_delivery(i, ev->seq, ev->times, deletes_ && is_delete_event(text), receive_us);
}

std::optional<title_times> subscriber_pool::times_of(const proto::event_msg& e) const {
    if (!e.data.is_object()) return std::nullopt;
    auto title = e.data.find(frames_.payload_attr());
    if (title == e.data.end() || !title->is_string()) return std::nullopt;
    return decode_title(title->get_ref<const std::string&>());
}

void subscriber_pool::on_delivery(std::uint32_t i, std::uint64_t seq, const title_times& times, bool is_delete,
                                  std::int64_t receive_us) {
    subscriber_slot& s = slots_[i];
    if (s.state != slot_state::subscribed && s.state != slot_state::churning) {
        ++stats_.unparsed;
        return;
    }
    switch (s.tracker.on_seq(seq)) {
        case seq_verdict::duplicate: ++stats_.duplicates; return;
        case seq_verdict::out_of_order: ++stats_.out_of_order; break;
        case seq_verdict::gap: ++stats_.gaps; break;
        case seq_verdict::in_order: break;
    }
    // Latency first: the runner stops draining once it sees the count, and the last second's
    // series point must already hold this delivery. A delete carries the row as it was (an older
    // publish's times): counted, not timed. A coalesced event (--throttle) carries the row of the
    // last change folded into it, so its latency counts from that change's publish (its `ts`).
    if (!is_delete) stats_.record_delivery(s.node, times.intended_us, times.actual_us, receive_us);
    ++stats_.deliveries;
}

void subscriber_pool::on_subscribed(std::uint32_t i, const proto::subscribed_msg& subscribed, std::int64_t receive_us) {
    subscriber_slot& s = slots_[i];
    const auto* sub = &subscribed;
    if (!s.resuming) {
        s.tracker = delivery_tracker(sub->position.seq);
        s.epoch = sub->position.epoch;
        s.was_subscribed = true;
        s.state = slot_state::subscribed;
        stats_.record_subscribe(receive_us - s.open_us);
        ++subscribed_;
        return;
    }
    s.resuming = false;
    stats_.record_reconnect(receive_us - s.churn_start_us);
    if (!sub->recovered) {
        if (sub->position.epoch == s.epoch) {
            s.tracker.skip_to(sub->position.seq);
        } else {  // a new history: its seqs say nothing about what this connection missed
            s.left_out = true;
            s.epoch = sub->position.epoch;
            s.tracker = delivery_tracker(sub->position.seq);
            ++resynced_new_epoch_;
        }
    }
    s.state = slot_state::subscribed;  // last: churn() may pick the slot again from here on
    ++(sub->recovered ? recovered_ : resynced_);
}

void subscriber_pool::on_close(std::uint32_t i, int code, const std::string& reason) {
    subscriber_slot& s = slots_[i];
    slot_state was = s.state.exchange(slot_state::closed);
    if (was == slot_state::open || was == slot_state::subscribed || was == slot_state::churning) --open_now_;
    if (was == slot_state::churning && !closing_) {
        reconnect(i);
        return;
    }
    ++closed_;
    if (closing_ && s.resuming) return;  // a reconnect cut short by the end of the run: no failure
    if (was == slot_state::connecting || was == slot_state::open) {
        ++(s.resuming ? reconnects_failed_ : failed_);
        note_error("connection " + std::to_string(i) + " closed before subscribing: " + std::to_string(code) + " " +
                   reason);
    } else if (was == slot_state::subscribed && !closing_) {
        ++dropped_;
        note_error("connection " + std::to_string(i) + " closed by the server during the run: " +
                   std::to_string(code) + " " + reason);
    }
}

void subscriber_pool::fail(std::uint32_t i, const std::string& why) {
    subscriber_slot& s = slots_[i];
    slot_state was = s.state.exchange(slot_state::failed);
    if (was == slot_state::failed || was == slot_state::closed) return;
    if (was == slot_state::open) --open_now_;
    ++(s.resuming ? reconnects_failed_ : failed_);
    note_error(why);
    if (auto con = std::atomic_load(&s.con)) con->close("");
}

void subscriber_pool::note_error(const std::string& why) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (first_error_.empty()) first_error_ = why;
}

std::string subscriber_pool::first_error() const {
    std::lock_guard<std::mutex> lock(error_mu_);
    return first_error_;
}

void subscriber_pool::close_all(std::chrono::milliseconds timeout) {
    closing_ = true;
    std::uint64_t to_close = 0;
    for (auto& s : slots_) {
        auto con = std::atomic_load(&s.con);
        if (!con) continue;
        slot_state st = s.state;
        if (st == slot_state::closed) continue;
        ++to_close;
        con->close("");
    }
    (void)to_close;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (closed_ < started_ && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void subscriber_pool::release() {
    for (auto& s : slots_) std::atomic_store(&s.con, std::shared_ptr<subscriber_link>());
}

}  // namespace rt::loadgen
