#pragma once
// An in-test WebSocket server on 127.0.0.1, port 0 (the kernel picks), run on its own thread.
// It echoes text frames, except commands:
//   "close:CODE:REASON"  → closes with that code and reason
//   "flood:N:BYTES"      → sends N frames of BYTES bytes each ("0", "1", ... padded with '.')
//   "drop"               → closes the TCP connection without a close frame
// and records the request path+query of each handshake. A test may replace all of that with its
// own handler (set_handler), e.g. to play a scripted protocol server.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace rt::test {

// A port with nothing listening: bind one, read its number, close it.
inline std::uint16_t unused_port() {
    asio::io_context ctx;
    asio::ip::tcp::acceptor a(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}


class echo_server {
public:
    using server_type = websocketpp::server<websocketpp::config::asio>;

    echo_server() {
        srv_.clear_access_channels(websocketpp::log::alevel::all);
        srv_.clear_error_channels(websocketpp::log::elevel::all);
        srv_.init_asio();
        srv_.set_reuse_addr(true);
        srv_.set_open_handler([this](websocketpp::connection_hdl h) {
            auto con = srv_.get_con_from_hdl(h);
            std::lock_guard<std::mutex> lock(mutex_);
            resources_.push_back(con->get_resource());
            numbers_[con.get()] = static_cast<int>(resources_.size());
            std::error_code rec;
            remotes_.push_back(con->get_raw_socket().remote_endpoint(rec).address().to_string());
            ++opened_;
        });
        srv_.set_message_handler([this](websocketpp::connection_hdl h, server_type::message_ptr msg) {
            on_message(h, msg->get_payload());
        });
        srv_.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        std::error_code ec;
        port_ = srv_.get_local_endpoint(ec).port();
        srv_.start_accept();
        thread_ = std::thread([this] { srv_.run(); });
    }
    ~echo_server() {
        // The acceptor belongs to the server thread: close it there, then end the run loop.
        asio::post(srv_.get_io_service(), [this] {
            std::error_code ec;
            srv_.stop_listening(ec);
            srv_.stop();
        });
        thread_.join();
    }

    // What a custom handler can do to the connection that sent the frame.
    struct peer {
        std::function<void(const std::string&)> send;
        std::function<void(int, const std::string&)> close;
        int connection_number;  // 1 for the first connection accepted, 2 for the next, ...
    };
    using handler = std::function<void(peer&, const std::string& text)>;
    // Replaces the echo behaviour; runs on the server thread.
    void set_handler(handler h) {
        std::lock_guard<std::mutex> lock(mutex_);
        custom_ = std::move(h);
    }

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path = "/live") const {
        return "ws://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<std::string> resources() {
        std::lock_guard<std::mutex> lock(mutex_);
        return resources_;
    }
    std::vector<std::string> remote_addresses() {
        std::lock_guard<std::mutex> lock(mutex_);
        return remotes_;
    }
    int opened() {
        std::lock_guard<std::mutex> lock(mutex_);
        return opened_;
    }

private:
    void on_message(websocketpp::connection_hdl h, const std::string& text) {
        std::error_code ec;
        auto con = srv_.get_con_from_hdl(h, ec);
        if (!con) return;
        handler custom;
        int number = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            custom = custom_;
            auto it = numbers_.find(con.get());
            number = it == numbers_.end() ? 0 : it->second;
        }
        if (custom) {
            peer p{[con](const std::string& t) { con->send(t, websocketpp::frame::opcode::text); },
                   [con](int code, const std::string& reason) {
                       std::error_code cec;
                       con->close(static_cast<websocketpp::close::status::value>(code), reason, cec);
                   },
                   number};
            custom(p, text);
            return;
        }
        if (text.rfind("close:", 0) == 0) {
            auto second = text.find(':', 6);
            int code = std::stoi(text.substr(6, second - 6));
            std::string reason = second == std::string::npos ? "" : text.substr(second + 1);
            con->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
        } else if (text.rfind("flood:", 0) == 0) {
            auto second = text.find(':', 6);
            int n = std::stoi(text.substr(6, second - 6));
            std::size_t bytes = std::stoul(text.substr(second + 1));
            for (int i = 0; i < n; ++i) {
                std::string f = std::to_string(i);
                if (f.size() < bytes) f.append(bytes - f.size(), '.');
                ec = con->send(f, websocketpp::frame::opcode::text);
            }
        } else if (text == "drop") {
            con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        } else {
            ec = con->send(text, websocketpp::frame::opcode::text);
        }
    }

    server_type srv_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    std::mutex mutex_;
    std::vector<std::string> resources_;
    std::vector<std::string> remotes_;
    std::map<const void*, int> numbers_;  // connection → its number (never reused while alive)
    handler custom_;
    int opened_ = 0;
};

}  // namespace rt::test
