#pragma once
// Where the hub's frames leave it: an interface, so the hub is driven without a transport (the
// websocketpp server implements it in ws_server.cpp; tests and fuzz targets record or check frames).
#include <memory>
#include <string>
#include <vector>

namespace rt::server {

struct conn_context;
using frame_ptr = std::shared_ptr<const std::string>;

// What became of a frame given to a connection (after its output limit had its say).
enum class send_status {
    sent,       // queued
    dropped,    // an event dropped for a slow consumer (the client sees the gap by its seq)
    too_large,  // a reply bigger than the connection's whole output limit: not queued; answer with TOO_LARGE
    closing,    // not queued: the connection is being closed (over its limit now, or before)
};

// Called with the hub lock held: implementations must not call back into the hub; they only queue
// bytes (and may post a close).
class delivery_sink {
public:
    virtual ~delivery_sink() = default;
    // A frame for one connection that may not be dropped silently (replies, snapshots, replayed
    // events, presence state). Never queues it beyond the connection's hard output limit.
    virtual send_status send_to(conn_context& c, const frame_ptr& frame) = 0;
    // One event for many connections: serialize-once, the same bytes for every subscriber.
    virtual void fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) = 0;
};

}  // namespace rt::server
