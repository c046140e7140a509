#include "chaos/proxy_connection.hpp"

#include <algorithm>

namespace rt::chaos {

proxy_connection::proxy_connection(asio::ip::tcp::socket client, std::uint64_t conn_no, proxy_shared& shared,
                                   closed_handler on_closed)
    : client_(std::move(client)),
      upstream_(client_.get_executor()),
      conn_no_(conn_no),
      shared_(shared),
      on_closed_(std::move(on_closed)),
      up_(direction::up, client_, upstream_, client_.get_executor()),
      down_(direction::down, upstream_, client_, client_.get_executor()),
      rng_(conn_no) {
    up_.read_buf.resize(shared_.config.read_chunk_bytes);
    down_.read_buf.resize(shared_.config.read_chunk_bytes);
}

void proxy_connection::start() {
    upstream_.async_connect(shared_.config.upstream,
                            [self = shared_from_this()](const std::error_code& ec) { self->on_connect(ec); });
}

void proxy_connection::on_connect(const std::error_code& ec) {
    if (closed_) return;
    if (ec) {
        ++shared_.stats.upstream_failures;
        close_now(true);  // the client sees a reset, as if the server refused it
        return;
    }
    std::error_code ignored;
    client_.set_option(asio::ip::tcp::no_delay(true), ignored);
    upstream_.set_option(asio::ip::tcp::no_delay(true), ignored);
    do_read(up_);
    do_read(down_);
}

void proxy_connection::on_faults_changed() {
    if (closed_) return;
    pump(up_);
    pump(down_);
}

void proxy_connection::do_read(pipe& p) {
    if (closed_ || p.reading || p.eof || p.queued_bytes >= shared_.config.max_queued_bytes) return;
    p.reading = true;
    p.from.async_read_some(asio::buffer(p.read_buf),
                           [self = shared_from_this(), &p](const std::error_code& ec, std::size_t n) {
                               self->on_read(p, ec, n);
                           });
}

void proxy_connection::on_read(pipe& p, const std::error_code& ec, std::size_t n) {
    p.reading = false;
    if (closed_) return;
    if (ec == asio::error::eof) {
        p.eof = true;
        pump(p);
        return;
    }
    if (ec) {
        // Pass a reset on as a reset, so each side sees what the other did.
        close_now(ec == asio::error::connection_reset);
        return;
    }
    flow_policy policy = shared_.policy(conn_no_, p.flow);
    if (policy.blackhole) {
        dropped(p) += n;
    } else {
        chunk c;
        c.bytes.assign(p.read_buf.begin(), p.read_buf.begin() + static_cast<std::ptrdiff_t>(n));
        c.due = std::max(clock::now() + delay_for(policy), p.last_due);
        p.last_due = c.due;
        p.queued_bytes += n;
        shared_.stats.queued_bytes += n;
        p.queue.push_back(std::move(c));
    }
    pump(p);
    do_read(p);
}

// Starts the next write (or the wait before it) unless one is in flight. Forwards FIN once the
// queue is empty. Under a blackhole, drops what is queued and holds FIN back.
void proxy_connection::pump(pipe& p) {
    if (closed_ || p.writing) return;
    flow_policy policy = shared_.policy(conn_no_, p.flow);
    if (policy.blackhole) {
        drop_queue(p);
        do_read(p);
        return;
    }
    if (p.queue.empty()) {
        if (p.eof && !p.shut) {
            std::error_code ignored;
            p.to.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
            p.shut = true;
            maybe_finish();
        }
        return;
    }
    chunk& c = p.queue.front();
    auto now = clock::now();
    auto not_before = c.due;
    if (policy.bytes_per_s > 0) not_before = std::max(not_before, p.send_not_before);
    if (not_before > now) {
        p.writing = true;
        p.timer.expires_at(not_before);
        p.timer.async_wait([self = shared_from_this(), &p](const std::error_code& ec) {
            p.writing = false;
            if (ec || self->closed_) return;
            self->pump(p);
        });
        return;
    }
    std::size_t n = c.bytes.size() - c.offset;
    if (policy.bytes_per_s > 0) {
        // Pieces of at most 50 ms of budget keep the rate smooth rather than bursty.
        n = std::min<std::size_t>(n, std::max<std::uint64_t>(1, policy.bytes_per_s / 20));
        auto cost = std::chrono::microseconds(static_cast<std::int64_t>(n * 1'000'000 / policy.bytes_per_s));
        p.send_not_before = std::max(now, p.send_not_before) + cost;
    }
    p.writing = true;
    asio::async_write(p.to, asio::buffer(c.bytes.data() + c.offset, n),
                      [self = shared_from_this(), &p](const std::error_code& ec, std::size_t written) {
                          self->on_write(p, ec, written);
                      });
}

void proxy_connection::on_write(pipe& p, const std::error_code& ec, std::size_t n) {
    p.writing = false;
    if (closed_) return;
    if (ec) {
        close_now(ec == asio::error::connection_reset);
        return;
    }
    delivered(p) += n;
    chunk& c = p.queue.front();
    c.offset += n;
    p.queued_bytes -= n;
    shared_.stats.queued_bytes -= n;
    if (c.offset == c.bytes.size()) p.queue.pop_front();
    pump(p);
    do_read(p);  // resumes a read paused by the queue cap
}

void proxy_connection::drop_queue(pipe& p) {
    std::size_t n = 0;
    for (const auto& c : p.queue) n += c.bytes.size() - c.offset;
    dropped(p) += n;
    shared_.stats.queued_bytes -= n;
    p.queue.clear();
    p.queued_bytes = 0;
}

void proxy_connection::maybe_finish() {
    if (up_.shut && down_.shut) close_now(false);
}

void proxy_connection::close_now(bool with_rst) {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    for (auto* s : {&client_, &upstream_}) {
        if (with_rst) s->set_option(asio::socket_base::linger(true, 0), ignored);
        s->close(ignored);
    }
    up_.timer.cancel();
    down_.timer.cancel();
    shared_.stats.queued_bytes -= up_.queued_bytes + down_.queued_bytes;
    --shared_.stats.active;
    if (on_closed_) on_closed_(conn_no_);
}

std::chrono::milliseconds proxy_connection::delay_for(const flow_policy& policy) {
    auto d = policy.latency_ms;
    if (policy.jitter_ms.count() > 0) {
        std::uniform_int_distribution<std::int64_t> j(-policy.jitter_ms.count(), policy.jitter_ms.count());
        d += std::chrono::milliseconds(j(rng_));
    }
    return std::max(d, std::chrono::milliseconds(0));
}

std::atomic<std::uint64_t>& proxy_connection::delivered(const pipe& p) {
    return p.flow == direction::up ? shared_.stats.bytes_up : shared_.stats.bytes_down;
}

std::atomic<std::uint64_t>& proxy_connection::dropped(const pipe& p) {
    return p.flow == direction::up ? shared_.stats.dropped_up : shared_.stats.dropped_down;
}

}  // namespace rt::chaos
