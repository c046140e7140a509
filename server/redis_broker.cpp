// The Redis broker's public face: the thread that runs its io_context (start), the shutdown that
// lets queued commands reach Redis first (stop), and the change_bus entry points, which only post
// to that thread. The rest of the class, by role, is listed in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {


redis_broker::redis_broker(broker_settings s, const spec::app& app, hub& h, metrics& m)
    : impl_(std::make_unique<impl>(std::move(s), app, h, m)) {}

redis_broker::~redis_broker() { stop(); }

result<void, std::string> redis_broker::start(std::chrono::milliseconds timeout) {
    impl& b = *impl_;
    b.m.broker_up = 0;
    b.thread = std::thread([&b] {
        for (;;) {
            try {
                b.io.run();
                return;
            } catch (const std::exception& e) {
                log_line(log_level::error, std::string("broker: a handler failed: ") + e.what());
            }
        }
    });
    asio::post(b.io, [&b] {
        b.connect();
        b.schedule_tick();
    });
    std::unique_lock<std::mutex> lock(b.start_mu);
    if (!b.start_cv.wait_for(lock, timeout, [&b] { return b.start_done; }))
        return make_unexpected(proto::to_string(b.cfg.url) + ": no answer within " + std::to_string(timeout.count()) + " ms");
    if (!b.start_error.empty()) return make_unexpected(b.start_error);
    return {};
}

void redis_broker::stop() {
    impl& b = *impl_;
    if (!b.thread.joinable()) return;
    asio::post(b.io, [&b] {
        auto teardown = [&b] {
            if (b.stopping) return;
            b.stopping = true;
            b.tick_timer.cancel();
            b.retry_timer.cancel();
            b.cmd.reset();  // pending commits answer UNAVAILABLE
            b.sub.reset();
            b.fail_waits();
            b.set_up(false);
            b.work.reset();  // the loop ends once the links' last handlers have run
        };
        if (b.ph != impl::phase::ready) return teardown();
        // What the closing connections queued (their presence leaving) reaches Redis first: a
        // PING answered means every command before it ran. At most k_flush_timeout.
        b.retry_timer.expires_after(impl::k_flush_timeout);
        b.retry_timer.async_wait([teardown](const std::error_code& ec) {
            if (!ec) teardown();
        });
        b.cmd->command({"PING"}, [&b, teardown](const redisReply*) { asio::post(b.io, teardown); });
    });
    b.thread.join();
}

void redis_broker::commit(commit_request req, std::function<void(commit_outcome)> done) {
    asio::post(impl_->io, [this, req = std::move(req), done = std::move(done)]() mutable { impl_->do_commit(req, done); });
}

void redis_broker::open_stream(const std::string& stream_key, const std::string& keyset_field) {
    asio::post(impl_->io, [this, stream_key, keyset_field] { impl_->do_open(stream_key, keyset_field); });
}

void redis_broker::sync(std::function<void(bool)> done) {
    asio::post(impl_->io, [this, done = std::move(done)]() mutable {
        impl& b = *impl_;
        if (b.ph != impl::phase::ready) return done(false);
        b.cmd->command({"GET", "rt:g"}, [&b, done = std::move(done)](const redisReply* r) mutable {
            if (!r || r->type == REDIS_REPLY_ERROR) return done(false);
            b.wait_applied(impl::rb_u64(r), std::move(done));
            if (b.applied < impl::rb_u64(r)) b.request_repair();  // do not wait for the channel
        });
    });
}

void redis_broker::presence_set(const std::string& resource, std::string users_json) {
    asio::post(impl_->io, [this, resource, users = std::move(users_json)] { impl_->do_presence_set(resource, users); });
}

bool redis_broker::available() const { return impl_->up; }

}  // namespace rt::server
