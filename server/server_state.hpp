#pragma once
// What the transport serves, built once at start-up (run_server.cpp) and shared by every connection,
// like Beast chat-multi's shared_state: the settings, the hub over the store, the counters, the
// change budget and who may connect. No websocketpp or Asio here: the ws_*.cpp files use it, and
// know nothing of how the spec, the tokens or the store were loaded.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/asyncapi.hpp"
#include "protocol/spec.hpp"
#include "server/access.hpp"
#include "server/hub.hpp"
#include "server/metrics.hpp"
#include "server/mutation_budget.hpp"
#include "server/server_config.hpp"
#include "server/store.hpp"

namespace rt::server {

// The hub's delivery_sink until the transport exists: the hub is built first, the transport plugs
// itself in before it accepts a connection, and every frame then goes to the transport.
class sink_slot final : public delivery_sink {
public:
    void plug(delivery_sink& target) { target_ = &target; }
    send_status send_to(conn_context& c, const frame_ptr& frame) override {
        return target_ ? target_->send_to(c, frame) : send_status::closing;
    }
    void fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) override {
        if (target_) target_->fan_out(frame, subscribers);
    }

private:
    delivery_sink* target_ = nullptr;
};

// The spec as served now: its file's text (GET /api/_spec) and its version (spec::ir_hash; GET
// /api/_spec?format=json, /api/_info and `spec_changed` name it). A live reload replaces it whole.
struct served_spec {
    std::string text;
    std::string version;
};

struct server_state {
    server_state(const server_config& cfg, const spec::app& app, store& db, token_table tokens, jwt_verifier jwt = {});
    server_state(const server_state&) = delete;
    server_state& operator=(const server_state&) = delete;

    const server_config& cfg;
    server::metrics metrics;
    sink_slot sink;
    server::hub hub;
    mutation_budget mutations;  // changes per token (WebSocket and REST) or per REST client address
    server::access access;
    // The spec served now (text and version): any thread, once per request; a reload swaps it.
    std::shared_ptr<const served_spec> spec() const {
        std::lock_guard<std::mutex> lock(spec_mu_);
        return spec_;
    }
    void set_spec(std::shared_ptr<const served_spec> s) {
        std::lock_guard<std::mutex> lock(spec_mu_);
        spec_ = std::move(s);
    }
    std::string info_text;  // GET /api/_info (server_info.hpp), built at start-up
    spec::asyncapi_options asyncapi;  // GET /api/_asyncapi: scheme, path and auth from the settings
    const change_bus* bus = nullptr;  // --broker: the shared store (/healthz asks it); nullptr alone
    // Run by the transport once its I/O threads have stopped, before it is destroyed: the broker
    // stops there, so nothing it still answers reaches a transport that is gone.
    std::function<void()> on_stopped;

private:
    mutable std::mutex spec_mu_;
    std::shared_ptr<const served_spec> spec_ = std::make_shared<const served_spec>();
};

// Wall-clock milliseconds since the epoch: presence times and stream idle times.
inline std::int64_t wall_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace rt::server
