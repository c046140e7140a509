#include "chaos/fault_proxy.hpp"

#include "chaos/listen_acceptor.hpp"

#include <cstdio>
#include <vector>

#include "chaos/proxy_connection.hpp"

namespace rt::chaos {

fault_proxy::fault_proxy(fault_proxy_config config) : shared_(std::move(config)) {}

fault_proxy::~fault_proxy() { stop(); }

void fault_proxy::start(std::error_code& ec) {
    bound_ = listen_acceptor(acceptor_, shared_.config.listen, ec);
    if (ec) return;
    do_accept();
    thread_ = std::thread([this] { io_.run(); });
}

void fault_proxy::stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
        std::error_code ignored;
        acceptor_.close(ignored);
        accept_retry_.cancel();
        auto conns = std::move(connections_);
        connections_.clear();
        for (auto& [no, conn] : conns) conn->close();
        io_.stop();
    });
    thread_.join();
}

void fault_proxy::do_accept() {
    acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void fault_proxy::on_accept(const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        // Out of file descriptors and the like: back off briefly instead of spinning.
        // 100 ms lets closing connections free descriptors.
        std::fprintf(stderr, "rt partition: accept failed: %s\n", ec.message().c_str());
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](const std::error_code& wait_ec) {
            if (!wait_ec) do_accept();
        });
        return;
    }
    std::uint64_t conn_no = ++next_conn_no_;
    ++shared_.stats.accepted;
    bool refuse;
    {
        std::lock_guard<std::mutex> lock(shared_.mutex);
        refuse = shared_.faults.refuses(conn_no);
    }
    if (refuse) {
        std::error_code ignored;
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
        ++shared_.stats.refused;
    } else {
        auto conn = std::make_shared<proxy_connection>(std::move(socket), conn_no, shared_,
                                                       [this](std::uint64_t no) { connections_.erase(no); });
        connections_.emplace(conn_no, conn);
        ++shared_.stats.active;
        conn->start();
    }
    do_accept();
}

void fault_proxy::set_fault(const fault& f) {
    {
        std::lock_guard<std::mutex> lock(shared_.mutex);
        shared_.faults.set(f);
    }
    asio::post(io_, [this, f] { on_faults_changed(f.kind == fault_kind::reset ? &f : nullptr); });
}

void fault_proxy::apply(const fault_command& cmd) {
    if (cmd.heal) clear_faults();
    else set_fault(cmd.f);
}

void fault_proxy::clear_faults() {
    {
        std::lock_guard<std::mutex> lock(shared_.mutex);
        shared_.faults.clear();
    }
    asio::post(io_, [this] { on_faults_changed(nullptr); });
}

// Runs on the io thread after any change. Iterates over a copy: closing a connection erases it.
void fault_proxy::on_faults_changed(const fault* reset) {
    std::vector<std::shared_ptr<proxy_connection>> conns;
    conns.reserve(connections_.size());
    for (auto& [no, conn] : connections_) conns.push_back(conn);
    for (auto& conn : conns) {
        if (reset && selects(*reset, conn->conn_no())) {
            conn->reset();
            ++shared_.stats.reset;
        } else {
            conn->on_faults_changed();
        }
    }
}

nlohmann::json fault_proxy::list_faults() const {
    std::lock_guard<std::mutex> lock(shared_.mutex);
    return shared_.faults.to_json();
}

nlohmann::json fault_proxy::stats() const { return shared_.stats.to_json(); }

}  // namespace rt::chaos
