#pragma once
// A user-space TCP proxy that injects faults: listen → upstream, each connection piped both ways.
// Runs on an io_context it owns, on one thread of its own. The control functions are thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <system_error>
#include <thread>

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include "chaos/fault.hpp"
#include "chaos/proxy_shared.hpp"

namespace rt::chaos {

class proxy_connection;

class fault_proxy {
public:
    explicit fault_proxy(fault_proxy_config config);
    ~fault_proxy();  // stop()
    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;

    // Binds the listen address and starts the proxy thread. Call once. On failure sets `ec`
    // (e.g. address_in_use) and starts nothing.
    void start(std::error_code& ec);
    // Closes the listener and every connection, then joins the thread. Idempotent. Not from a handler
    // of this proxy (it would wait for itself).
    void stop();

    // The bound address (the real port when the config asked for port 0). Valid after start().
    asio::ip::tcp::endpoint local_endpoint() const { return bound_; }
    const fault_proxy_config& config() const { return shared_.config; }

    // Applies a fault to current and future connections (by its fraction). `reset` acts once on
    // the current connections and is not kept. A fault of the same kind and direction is replaced.
    void set_fault(const fault& f);
    // Applies a parsed command: heal clears, anything else is set_fault.
    void apply(const fault_command& cmd);
    // Heal: removes every fault. Blackholed connections pass new bytes again; dropped bytes stay dropped.
    void clear_faults();

    nlohmann::json list_faults() const;  // [{"fault":"latency","direction":"down",...}, ...]
    nlohmann::json stats() const;        // the counters of proxy_stats, as JSON
    const proxy_stats& counters() const { return shared_.stats; }

private:
    void do_accept();
    void on_accept(const std::error_code& ec, asio::ip::tcp::socket socket);
    void on_faults_changed(const fault* reset);

    proxy_shared shared_;      // declared first: outlives io_ and every connection
    asio::io_context io_{1};   // one thread: connection state needs no locks
    asio::ip::tcp::acceptor acceptor_{io_};
    asio::steady_timer accept_retry_{io_};
    asio::ip::tcp::endpoint bound_;
    std::map<std::uint64_t, std::shared_ptr<proxy_connection>> connections_;  // io thread only
    std::uint64_t next_conn_no_ = 0;                                          // io thread only
    std::thread thread_;
};

}  // namespace rt::chaos
