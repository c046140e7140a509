#include "client/sync_client.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

#include "protocol/units.hpp"

namespace rt::client {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct sync_client::state {
    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> frames;
    bool opened = false;
    bool closed = false;
    int code = 0;
    std::string reason;
};

sync_client::sync_client(std::unique_ptr<io_loop> loop, std::shared_ptr<state> st,
                         std::shared_ptr<ws_connection> con)
    : loop_(std::move(loop)), st_(std::move(st)), con_(std::move(con)) {}

result<std::unique_ptr<sync_client>, std::string> sync_client::connect(std::string_view url,
                                                                       std::chrono::milliseconds timeout,
                                                                       const ws_options& options) {
    auto loop = std::make_unique<io_loop>();
    auto st = std::make_shared<state>();
    ws_handlers h;
    h.on_open = [st] {
        std::lock_guard<std::mutex> lock(st->mutex);
        st->opened = true;
        st->cv.notify_all();
    };
    h.on_message = [st](std::string_view text) {
        std::lock_guard<std::mutex> lock(st->mutex);
        st->frames.emplace_back(text);
        st->cv.notify_all();
    };
    h.on_close = [st](int code, std::string reason) {
        std::lock_guard<std::mutex> lock(st->mutex);
        st->closed = true;
        st->code = code;
        st->reason = std::move(reason);
        st->cv.notify_all();
    };
    ws_options opts = options;
    if (opts.connect_timeout > timeout) opts.connect_timeout = timeout;
    auto con = ws_connection::connect(*loop, url, std::move(h), opts);
    if (!con) return make_unexpected(con.error());
    loop->start(1);

    std::unique_lock<std::mutex> lock(st->mutex);
    bool done = st->cv.wait_for(lock, timeout, [&] { return st->opened || st->closed; });
    if (!done || !st->opened) {
        std::string why = !done ? "timed out after " + proto::format_duration_us(timeout)
                                : st->reason + " (close code " + std::to_string(st->code) + ")";
        lock.unlock();
        con.value().reset();  // before the loop it lives on
        loop->stop();
        return make_unexpected("cannot connect to " + std::string(url.substr(0, url.find('?'))) + ": " + why);
    }
    lock.unlock();
    return std::unique_ptr<sync_client>(new sync_client(std::move(loop), std::move(st), std::move(con.value())));
}

sync_client::~sync_client() {
    con_.reset();  // closes with 1001 if still open
    loop_->stop();
}

std::error_code sync_client::send(std::string_view text) { return con_->send(text); }

std::optional<std::string> sync_client::receive(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(st_->mutex);
    st_->cv.wait_for(lock, timeout, [&] { return !st_->frames.empty() || st_->closed; });
    if (st_->frames.empty()) return std::nullopt;
    std::string f = std::move(st_->frames.front());
    st_->frames.pop_front();
    return f;
}

std::optional<json> sync_client::receive_json(std::chrono::milliseconds timeout) {
    auto f = receive(timeout);
    if (!f) return std::nullopt;
    json j = json::parse(*f, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

std::optional<json> sync_client::receive_until(const std::function<bool(const json&)>& match,
                                               std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    std::unique_lock<std::mutex> lock(st_->mutex);
    std::size_t scanned = 0;  // frames before this index have been tested and did not match
    for (;;) {
        for (; scanned < st_->frames.size(); ++scanned) {
            json j = json::parse(st_->frames[scanned], nullptr, false);
            if (j.is_discarded() || !match(j)) continue;
            st_->frames.erase(st_->frames.begin() + static_cast<std::ptrdiff_t>(scanned));
            return j;
        }
        if (st_->closed) return std::nullopt;
        // Wakes on each new frame; ends at the deadline, so the loop is bounded.
        if (!st_->cv.wait_until(lock, deadline, [&] { return st_->frames.size() > scanned || st_->closed; }))
            return std::nullopt;
    }
}

std::optional<proto::server_message> sync_client::receive_reply(const json& id, std::chrono::milliseconds timeout) {
    std::optional<proto::server_message> reply;
    receive_until(
        [&](const json& j) {
            auto m = proto::decode_server_value(j);
            if (!m || m->id != id) return false;
            reply = std::move(m.value());
            return true;
        },
        timeout);
    return reply;
}

std::error_code sync_client::send_message(const proto::client_message& m) { return send(proto::encode_client(m)); }

std::size_t sync_client::pending() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->frames.size();
}

std::size_t sync_client::clear() {
    std::lock_guard<std::mutex> lock(st_->mutex);
    std::size_t n = st_->frames.size();
    st_->frames.clear();
    return n;
}

std::error_code sync_client::pause_reading() { return con_->pause_reading(); }
std::error_code sync_client::resume_reading() { return con_->resume_reading(); }
std::size_t sync_client::buffered_amount() const { return con_->buffered_amount(); }

void sync_client::close(int code, std::string reason) { con_->close(code, std::move(reason)); }

bool sync_client::wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(st_->mutex);
    return st_->cv.wait_for(lock, timeout, [&] { return st_->closed; });
}

bool sync_client::is_closed() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->closed;
}

int sync_client::close_code() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->code;
}

std::string sync_client::close_reason() const {
    std::lock_guard<std::mutex> lock(st_->mutex);
    return st_->reason;
}

}  // namespace rt::client
