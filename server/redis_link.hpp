#pragma once
// One asynchronous connection to Redis, driven by an Asio io_context (hiredis's async API; hiredis
// 0.14 ships no Asio adapter, so redis_link.cpp is one: the context's socket is watched by an
// asio::posix::stream_descriptor that hands readiness to redisAsyncHandleRead/Write).
// No Asio or hiredis in this header: the broker (redis_broker.cpp) and the tests use it.
//
// Thread rule: every call, and every callback, happens on the thread that runs the io_context
// (the broker runs it on one thread of its own). Callback contract: `on_ready` once, when the
// connection is up (and the database SELECTed); `on_down` at most once, when it fails or breaks
// (never after close()); each command's callback exactly once — with the reply, or with nullptr
// when the connection broke or was closed before the reply came. A subscription's callback runs
// once per message, and with nullptr when the connection ends.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct redisReply;
namespace asio { class io_context; }

namespace rt::server {

class redis_link {
public:
    using reply_fn = std::function<void(const redisReply* reply)>;
    using ready_fn = std::function<void()>;
    using down_fn = std::function<void(const std::string& why)>;

    redis_link(asio::io_context& io, std::string host, std::uint16_t port, int db, ready_fn on_ready, down_fn on_down);
    // Closes the connection; pending callbacks get nullptr. Never from inside one of this link's own
    // callbacks (hiredis would run the rest later, on a freed link): post the destruction instead.
    ~redis_link();
    redis_link(const redis_link&) = delete;
    redis_link& operator=(const redis_link&) = delete;

    // Starts connecting. False (with on_down not called) when hiredis could not even start.
    bool connect(std::string& error);
    // Sends one command (binary-safe arguments).
    void command(const std::vector<std::string>& args, reply_fn done);
    // SUBSCRIBE channels: `on_message` gets every reply of the subscription (a confirmation per
    // channel first, in the order given).
    void subscribe(const std::vector<std::string>& channels, reply_fn on_message);
    bool up() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace rt::server
