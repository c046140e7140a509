#include "loadgen/publisher.hpp"

#include <random>
#include <thread>

#include "loadgen/event_payload.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/messages.hpp"

namespace rt::loadgen {

publisher::publisher(const loadgen_config& config, run_stats& stats, const workload_frames& frames)
    : config_(config), stats_(stats), frames_(frames), acked_(new std::atomic<std::uint64_t>[config.boards]),
      per_node_(new node_counts[config.urls.size()]), deletable_(config.boards), inserts_(config.boards, 0) {
    for (std::uint32_t b = 0; b < config.boards; ++b) acked_[b] = 0;
    loop_.start(1);  // a publisher sends at most thousands of frames a second: one thread is plenty
}

publisher::~publisher() {
    close();
    cons_.clear();
    loop_.stop();
}

void publisher::note_error(const std::string& why) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (first_error_.empty()) first_error_ = why;
}

std::string publisher::first_error() const {
    std::lock_guard<std::mutex> lock(error_mu_);
    return first_error_;
}

std::vector<std::uint64_t> publisher::acked_per_board() const {
    std::vector<std::uint64_t> out(config_.boards);
    for (std::uint32_t b = 0; b < config_.boards; ++b) out[b] = acked_[b].load();
    return out;
}

result<void, std::string> publisher::create_tasks(std::chrono::milliseconds timeout) {
    std::vector<std::vector<std::string>> frames(config_.urls.size());
    for (std::uint32_t b = 0; b < config_.boards; ++b)
        frames[node_of_stream(config_, b)].push_back(frames_.setup_insert(b));
    return run_setup(frames, "insert", "created", timeout);
}

result<void, std::string> publisher::remove_tasks(std::chrono::milliseconds timeout) {
    std::vector<std::vector<std::string>> frames(config_.urls.size());
    std::uint64_t n = 0;  // request ids, unique over every node's frames
    for (std::uint32_t b = 0; b < config_.boards; ++b)
        frames[node_of_stream(config_, b)].push_back(frames_.setup_remove(n++, frames_.row_id(b)));
    // Rows the mix inserted and did not delete (acknowledged: their ids are known) go too.
    {
        std::lock_guard<std::mutex> lock(pending_mu_);
        for (std::uint32_t b = 0; b < config_.boards; ++b) {
            for (const auto& id : deletable_[b])
                frames[node_of_stream(config_, b)].push_back(frames_.setup_remove(n++, id));
            deletable_[b].clear();
        }
    }
    return run_setup(frames, "delete", "deleted", timeout);
}

result<void, std::string> publisher::run_setup(const std::vector<std::vector<std::string>>& frames_by_node,
                                               const char* verb, const char* done_text,
                                               std::chrono::milliseconds timeout) {
    // The setup connections: up to tasks_per_setup_connection frames each, every node's apart.
    struct chunk {
        std::uint32_t node, first, last;
    };
    std::vector<chunk> chunks;
    std::uint32_t boards = 0;
    for (std::uint32_t node = 0; node < frames_by_node.size(); ++node) {
        const auto count = static_cast<std::uint32_t>(frames_by_node[node].size());
        boards += count;
        for (std::uint32_t first = 0; first < count; first += tasks_per_setup_connection)
            chunks.push_back({node, first, std::min(count, first + tasks_per_setup_connection)});
    }
    struct setup_state {
        std::atomic<std::uint32_t> done{0};
        std::atomic<std::uint32_t> failed{0};
        std::mutex mu;
        std::string error;
    };
    auto st = std::make_shared<setup_state>();
    std::vector<std::shared_ptr<client::ws_connection>> setup_cons(chunks.size());

    auto fail = [st](const std::string& why) {
        std::lock_guard<std::mutex> lock(st->mu);
        if (st->error.empty()) st->error = why;
        ++st->failed;
    };
    const client::ws_options opts = ws_options_of(config_);
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        const std::vector<std::string>& frames = frames_by_node[chunks[c].node];
        const std::uint32_t first = chunks[c].first, last = chunks[c].last;
        client::ws_handlers h;
        // The connection pointer is only known after connect() returns: on_open reads it from
        // the vector, which is filled before the loop can run the handler (see below).
        // weak: the connection owns its handlers, so a strong pointer here would be a cycle (a leak).
        auto holder = std::make_shared<std::weak_ptr<client::ws_connection>>();
        auto mu = std::make_shared<std::mutex>();
        h.on_open = [holder, mu, &frames, first, last, fail] {
            std::shared_ptr<client::ws_connection> con;
            {
                std::lock_guard<std::mutex> lock(*mu);
                con = holder->lock();
            }
            for (std::uint32_t b = first; b < last && con; ++b)
                if (con->send(frames[b])) return fail("setup: send failed");
        };
        h.on_message = [st, fail, verb](std::string_view text) {
            auto reply = proto::decode_server(text);
            if (!reply) return;
            if (std::holds_alternative<proto::published_msg>(reply->body)) ++st->done;
            else if (const auto* e = std::get_if<proto::error_msg>(&reply->body))
                fail(std::string("setup ") + verb + " refused: " + proto::describe(e->error));
        };
        h.on_close = [st, fail](int code, std::string reason) {
            if (code == proto::close_code::abnormal) fail("setup connection failed: " + reason);
        };
        std::unique_lock<std::mutex> lock(*mu);  // on_open waits until the pointer is stored
        auto con = client::ws_connection::connect(loop_, config_.urls[chunks[c].node], std::move(h), opts);
        if (!con) return make_unexpected("setup: " + con.error());
        *holder = con.value();
        setup_cons[c] = std::move(con.value());
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (st->done + st->failed < boards && st->failed == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& con : setup_cons)
        if (con) con->close();
    setup_cons.clear();
    if (st->failed) {
        std::lock_guard<std::mutex> lock(st->mu);
        return make_unexpected(st->error);
    }
    if (st->done < boards)
        return make_unexpected("setup: only " + std::to_string(st->done.load()) + " of " + std::to_string(boards) +
                               " tasks " + done_text + " in time");
    return {};
}

result<void, std::string> publisher::connect(std::chrono::milliseconds timeout) {
    const client::ws_options opts = ws_options_of(config_);
    for (std::uint32_t p = 0; p < config_.publishers; ++p) {
        client::ws_handlers h;
        h.on_open = [this] { ++open_; };
        h.on_message = [this](std::string_view text) { on_reply(text); };
        h.on_close = [this](int code, std::string reason) {
            ++closed_;
            if (!closing_) note_error("publisher connection closed: " + std::to_string(code) + " " + reason);
        };
        auto con = client::ws_connection::connect(loop_, config_.urls[p % config_.urls.size()], std::move(h), opts);
        if (!con) return make_unexpected("publisher: " + con.error());
        cons_.push_back(std::move(con.value()));
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (open_ < config_.publishers && closed_ == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (open_ < config_.publishers)
        return make_unexpected("only " + std::to_string(open_.load()) + " of " + std::to_string(config_.publishers) +
                               " publisher connections opened" +
                               (first_error().empty() ? std::string() : ": " + first_error()));
    return {};
}

void publisher::on_reply(std::string_view text) {
    auto reply = proto::decode_server(text);
    if (!reply) return;
    const bool published = std::holds_alternative<proto::published_msg>(reply->body);
    const auto* refused = std::get_if<proto::error_msg>(&reply->body);
    if (!published && !refused) return;
    // The board this reply is about comes from the request it answers (a token that may not
    // read the row gets only its id back, so the reply itself need not name the board).
    std::uint32_t board = config_.boards;  // unknown: counted, for no board
    if (reply->id.is_number_unsigned()) {
        std::lock_guard<std::mutex> lock(pending_mu_);
        if (auto it = pending_.find(reply->id.get<std::uint64_t>()); it != pending_.end()) {
            board = it->second.board;
            if (published) ++per_node_[it->second.node].acked;
            if (published && !it->second.inserted.empty() && board < config_.boards)
                deletable_[board].push_back(std::move(it->second.inserted));
            pending_.erase(it);
        }
    }
    if (published) {
        if (board < config_.boards) ++acked_[board];
        ++stats_.published_acked;
    } else {
        ++stats_.publish_errors;
        note_error("publish refused: " + proto::describe(refused->error));
    }
}

std::string publisher::next_frame(std::uint64_t k, std::uint32_t board, std::uint32_t node, std::string payload,
                                  std::uint32_t dice) {
    const spec::change_mix mix = frames_.mix();
    std::lock_guard<std::mutex> lock(pending_mu_);  // before the send: the reply may beat us here
    pending_publish& p = pending_[k];
    p.board = board;
    p.node = node;
    if (dice < mix.insert_pct) {
        p.inserted = frames_.row_id(board, ++inserts_[board]);
        return frames_.insert(k, board, p.inserted, std::move(payload));
    }
    // A delete with no acknowledged insert left to delete updates the board's row instead.
    if (dice < mix.insert_pct + mix.delete_pct && !deletable_[board].empty()) {
        std::string id = std::move(deletable_[board].back());
        deletable_[board].pop_back();
        return frames_.remove(k, id);
    }
    return frames_.update(k, board, std::move(payload));
}

void publisher::run(const publish_schedule& schedule, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(config_.seed);
    std::uniform_int_distribution<std::uint32_t> pick(0, config_.boards - 1);
    std::uniform_int_distribution<std::uint32_t> percent(0, 99);
    const bool update_only = frames_.mix().update_only();

    for (std::uint64_t k = 0; k < schedule.count() && !stop; ++k) {
        const std::int64_t intended = schedule.intended_us(k);
        const std::int64_t wait_us = intended - now_us();
        if (wait_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
        const std::uint32_t board = pick(rng);
        const std::uint32_t dice = update_only ? 100 : percent(rng);  // the demo's draws stay as they were
        const std::int64_t actual = now_us();
        // The connection: with `same`, one on the stream's node (cons_[p] is on node p % nodes);
        // with `any`, the next in turn, so every node gets its share.
        const std::size_t nodes = config_.urls.size();
        std::size_t c = k % cons_.size();
        if (config_.publish_to == publish_target::same && nodes > 1) {
            const std::size_t on_node = (cons_.size() - node_of_stream(config_, board) + nodes - 1) / nodes;
            c = node_of_stream(config_, board) + nodes * (k % on_node);
        }
        const auto node = static_cast<std::uint32_t>(c % nodes);
        const std::string frame =
            next_frame(k, board, node, encode_title(intended, actual, config_.payload_bytes), dice);
        auto& con = cons_[c];
        if (con->send(frame)) {
            ++stats_.published_sent;  // sent and refused at once: wait_acks counts it as answered
            ++stats_.publish_errors;
            note_error("publish send failed: connection closed");
            continue;
        }
        ++stats_.published_sent;
        ++per_node_[node].sent;
        const std::int64_t lag = actual - intended;
        if (is_late(intended, actual)) ++stats_.late;
        std::int64_t prev = stats_.max_lag_us.load();
        while (lag > prev && !stats_.max_lag_us.compare_exchange_weak(prev, lag)) {
        }
    }
}

bool publisher::wait_acks(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (stats_.published_acked + stats_.publish_errors < stats_.published_sent) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

void publisher::close() {
    closing_ = true;
    for (auto& c : cons_) c->close();
}

}  // namespace rt::loadgen
