// hiredis's async API on Asio: the event-loop adapter (hiredis 0.14 ships adapters for libevent,
// libev, libuv and ae, not Asio) and one connection built on it.
#include "server/redis_link.hpp"

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace rt::server {

namespace {

// The adapter: hiredis says which readiness it wants (addRead/delRead/addWrite/delWrite) and we
// wait for it on the context's socket, without owning the socket (hiredis closes it). One per
// redisAsyncContext, owned by hiredis through ev.data and deleted by its cleanup hook, which may
// run inside one of our own completion handlers: `alive` tells a handler that ran late (cancelled,
// or after cleanup) to touch nothing.
struct redis_asio_events {
    redis_asio_events(asio::io_context& io, redisAsyncContext* c) : ac(c), sd(io, c->c.fd) {}
    redisAsyncContext* ac;
    asio::posix::stream_descriptor sd;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
    bool want_read = false, want_write = false;
    bool read_armed = false, write_armed = false;  // one wait of each kind at a time
};

void redis_asio_arm(redis_asio_events* p, bool write) {
    bool& armed = write ? p->write_armed : p->read_armed;
    if (armed || !(write ? p->want_write : p->want_read)) return;
    armed = true;
    auto alive = p->alive;
    p->sd.async_wait(write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read,
                     [p, alive, write](const std::error_code& ec) {
                         if (!*alive) return;
                         (write ? p->write_armed : p->read_armed) = false;
                         if (ec) return;
                         if (write ? p->want_write : p->want_read) {
                             if (write) redisAsyncHandleWrite(p->ac);
                             else redisAsyncHandleRead(p->ac);
                         }
                         if (*alive) redis_asio_arm(p, write);  // hiredis may have freed the context meanwhile
                     });
}

void redis_asio_add_read(void* d) {
    auto* p = static_cast<redis_asio_events*>(d);
    p->want_read = true;
    redis_asio_arm(p, false);
}
// A wait already armed completes and is ignored (want_* is false then).
void redis_asio_del_read(void* d) { static_cast<redis_asio_events*>(d)->want_read = false; }
void redis_asio_add_write(void* d) {
    auto* p = static_cast<redis_asio_events*>(d);
    p->want_write = true;
    redis_asio_arm(p, true);
}
void redis_asio_del_write(void* d) { static_cast<redis_asio_events*>(d)->want_write = false; }
void redis_asio_cleanup(void* d) {
    auto* p = static_cast<redis_asio_events*>(d);
    *p->alive = false;
    p->sd.release();  // cancels the waits; the socket stays hiredis's to close
    delete p;
}

bool redis_asio_attach(redisAsyncContext* ac, asio::io_context& io) {
    if (ac->ev.data) return false;
    ac->ev.data = new redis_asio_events(io, ac);
    ac->ev.addRead = redis_asio_add_read;
    ac->ev.delRead = redis_asio_del_read;
    ac->ev.addWrite = redis_asio_add_write;
    ac->ev.delWrite = redis_asio_del_write;
    ac->ev.cleanup = redis_asio_cleanup;
    return true;
}

}  // namespace

struct redis_link::impl {
    asio::io_context& io;
    std::string host;
    std::uint16_t port;
    int db;
    ready_fn on_ready;
    down_fn on_down;
    redisAsyncContext* ac = nullptr;
    bool is_up = false;
    bool told_down = false;
    reply_fn on_message;  // the subscription's (hiredis keeps a pointer to it)

    void down(const std::string& why) {
        is_up = false;
        if (told_down) return;
        told_down = true;
        if (on_down) on_down(why);
    }
    static impl* of(const redisAsyncContext* c) { return static_cast<impl*>(c->data); }

    static void on_connect(const redisAsyncContext* c, int status) {
        impl* self = of(c);
        if (!self) return;
        if (status != REDIS_OK) {
            self->ac = nullptr;  // hiredis frees the context after this callback
            self->down(std::string("cannot connect: ") + (c->errstr[0] ? c->errstr : "connection failed"));
            return;
        }
        if (self->db == 0) {
            self->is_up = true;
            if (self->on_ready) self->on_ready();
            return;
        }
        self->send({"SELECT", std::to_string(self->db)}, [self](const redisReply* r) {
            if (!r || r->type == REDIS_REPLY_ERROR) {
                self->down("SELECT " + std::to_string(self->db) + " failed: " + (r ? std::string(r->str, r->len) : "no reply"));
                return;
            }
            self->is_up = true;
            if (self->on_ready) self->on_ready();
        });
    }
    static void on_disconnect(const redisAsyncContext* c, int status) {
        impl* self = of(c);
        if (!self) return;
        self->ac = nullptr;  // freed after this callback
        self->down(status == REDIS_OK ? std::string("connection closed")
                                      : std::string("connection lost: ") + (c->errstr[0] ? c->errstr : "error"));
    }
    static void on_reply(redisAsyncContext*, void* r, void* privdata) {
        std::unique_ptr<reply_fn> fn(static_cast<reply_fn*>(privdata));
        (*fn)(static_cast<const redisReply*>(r));
    }
    static void on_subscription(redisAsyncContext*, void* r, void* privdata) {
        (*static_cast<reply_fn*>(privdata))(static_cast<const redisReply*>(r));
    }

    void send(const std::vector<std::string>& args, reply_fn done, bool persistent = false) {
        if (!ac) {
            done(nullptr);
            return;
        }
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        argv.reserve(args.size());
        lens.reserve(args.size());
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        int rc;
        if (persistent) {
            on_message = std::move(done);
            rc = redisAsyncCommandArgv(ac, on_subscription, &on_message, static_cast<int>(args.size()), argv.data(), lens.data());
            if (rc != REDIS_OK) on_message(nullptr);
            return;
        }
        auto* fn = new reply_fn(std::move(done));
        rc = redisAsyncCommandArgv(ac, on_reply, fn, static_cast<int>(args.size()), argv.data(), lens.data());
        if (rc != REDIS_OK) {  // the context is disconnecting: hiredis did not take the callback
            std::unique_ptr<reply_fn> owned(fn);
            (*owned)(nullptr);
        }
    }
};

redis_link::redis_link(asio::io_context& io, std::string host, std::uint16_t port, int db, ready_fn on_ready, down_fn on_down)
    : impl_(new impl{io, std::move(host), port, db, std::move(on_ready), std::move(on_down), nullptr, false, false, {}}) {}

redis_link::~redis_link() {
    if (redisAsyncContext* ac = impl_->ac) {
        impl_->ac = nullptr;
        ac->data = nullptr;   // closed on purpose: the disconnect callback reports nothing
        redisAsyncFree(ac);   // pending callbacks run now, with nullptr
    }
}

bool redis_link::connect(std::string& error) {
    impl_->ac = redisAsyncConnect(impl_->host.c_str(), impl_->port);
    if (!impl_->ac) {
        error = "out of memory";
        return false;
    }
    if (impl_->ac->err) {
        error = impl_->ac->errstr;
        redisAsyncFree(impl_->ac);
        impl_->ac = nullptr;
        return false;
    }
    impl_->ac->data = impl_.get();
    redis_asio_attach(impl_->ac, impl_->io);
    redisAsyncSetConnectCallback(impl_->ac, impl::on_connect);
    redisAsyncSetDisconnectCallback(impl_->ac, impl::on_disconnect);
    return true;
}

void redis_link::command(const std::vector<std::string>& args, reply_fn done) { impl_->send(args, std::move(done)); }

void redis_link::subscribe(const std::vector<std::string>& channels, reply_fn on_message) {
    std::vector<std::string> args{"SUBSCRIBE"};
    args.insert(args.end(), channels.begin(), channels.end());
    impl_->send(args, std::move(on_message), true);
}

bool redis_link::up() const { return impl_->is_up; }

}  // namespace rt::server
