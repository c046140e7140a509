#include "chaos/control_api.hpp"

#include "chaos/listen_acceptor.hpp"

#include <chrono>
#include <memory>

namespace rt::chaos {

// The HTTP text of the control API (client/http_message.hpp, shared with the REST publisher).
using client::content_length;
using client::http_request;
using client::http_response;
using client::json_response;
using client::parse_request_head;
using client::serialize;

namespace {

nlohmann::json error_body(const std::string& message) { return nlohmann::json{{"error", message}}; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

http_response post_faults(const http_request& req, fault_proxy& proxy) {
    std::string_view body = trim(req.body);
    if (body.empty())
        return json_response(400, error_body("empty body: send {\"fault\":\"blackhole\"} or a fault spec as text"));
    result<fault_command, std::string> cmd = make_unexpected(std::string());
    if (body.front() == '{') {
        auto j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_discarded()) return json_response(400, error_body("body is not valid JSON"));
        cmd = parse_fault_json(j);
    } else {
        cmd = parse_fault(body);
    }
    if (!cmd) return json_response(400, error_body(cmd.error()));
    proxy.apply(*cmd);
    return json_response(200, nlohmann::json{{"ok", true},
                                             {"applied", cmd->heal ? std::string("heal") : to_spec(cmd->f)},
                                             {"faults", proxy.list_faults()}});
}

// Reads one request (head, then body), answers it, closes. Bounded in size and time.
class control_session : public std::enable_shared_from_this<control_session> {
public:
    control_session(asio::ip::tcp::socket socket, fault_proxy& proxy)
        : socket_(std::move(socket)), proxy_(proxy), buf_(control_api::max_head_bytes + control_api::max_body_bytes),
          deadline_(socket_.get_executor()) {}

    void start() {
        // 10 s is ample for a local script; a stalled client must not hold a socket forever.
        deadline_.expires_after(std::chrono::seconds(10));
        deadline_.async_wait([self = shared_from_this()](const std::error_code& ec) {
            if (!ec) self->close();
        });
        asio::async_read_until(socket_, buf_, "\r\n\r\n",
                               [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                                   self->on_head(ec, n);
                               });
    }

private:
    void on_head(const std::error_code& ec, std::size_t head_bytes) {
        if (ec == asio::error::not_found) return respond(json_response(413, error_body("request head too large")));
        if (ec) return close();
        std::string head(asio::buffers_begin(buf_.data()),
                         asio::buffers_begin(buf_.data()) + static_cast<std::ptrdiff_t>(head_bytes));
        buf_.consume(head_bytes);
        auto req = parse_request_head(head);
        if (!req) return respond(json_response(400, error_body(req.error())));
        req_ = std::move(*req);
        auto len = content_length(req_);
        if (!len) return respond(json_response(400, error_body("bad Content-Length")));
        if (*len > control_api::max_body_bytes) return respond(json_response(413, error_body("body too large")));
        body_bytes_ = *len;
        std::size_t have = buf_.size();
        if (have >= body_bytes_) return on_body({});
        asio::async_read(socket_, buf_, asio::transfer_exactly(body_bytes_ - have),
                         [self = shared_from_this()](const std::error_code& ec2, std::size_t) { self->on_body(ec2); });
    }

    void on_body(const std::error_code& ec) {
        if (ec) return close();
        req_.body.assign(asio::buffers_begin(buf_.data()),
                         asio::buffers_begin(buf_.data()) + static_cast<std::ptrdiff_t>(body_bytes_));
        respond(handle_control_request(req_, proxy_));
    }

    void respond(const http_response& res) {
        out_ = serialize(res);
        asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](const std::error_code&, std::size_t) {
            std::error_code ignored;
            self->socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
            self->close();
        });
    }

    void close() {
        std::error_code ignored;
        socket_.close(ignored);
        deadline_.cancel();
    }

    asio::ip::tcp::socket socket_;
    fault_proxy& proxy_;
    asio::streambuf buf_;
    asio::steady_timer deadline_;
    http_request req_;
    std::size_t body_bytes_ = 0;
    std::string out_;
};

}  // namespace

http_response handle_control_request(const http_request& req, fault_proxy& proxy) {
    if (req.path == "/faults") {
        if (req.method == "GET") return json_response(200, nlohmann::json{{"faults", proxy.list_faults()}});
        if (req.method == "POST") return post_faults(req, proxy);
        if (req.method == "DELETE") {
            proxy.clear_faults();
            return json_response(200, nlohmann::json{{"ok", true}, {"applied", "heal"}, {"faults", nlohmann::json::array()}});
        }
        return json_response(405, error_body("method " + req.method + " not allowed on /faults (use GET, POST, DELETE)"));
    }
    if (req.path == "/stats") {
        if (req.method == "GET") return json_response(200, proxy.stats());
        return json_response(405, error_body("method " + req.method + " not allowed on /stats (use GET)"));
    }
    return json_response(404, error_body("no endpoint " + req.path + " (try GET /faults, POST /faults, DELETE /faults, GET /stats)"));
}

control_api::control_api(fault_proxy& proxy, asio::ip::tcp::endpoint listen) : proxy_(proxy), listen_(listen) {}

control_api::~control_api() { stop(); }

void control_api::start(std::error_code& ec) {
    bound_ = listen_acceptor(acceptor_, listen_, ec);
    if (ec) return;
    do_accept();
    thread_ = std::thread([this] { io_.run(); });
}

void control_api::stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
        std::error_code ignored;
        acceptor_.close(ignored);
        accept_retry_.cancel();
        io_.stop();
    });
    thread_.join();
}

void control_api::do_accept() {
    acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {
            // Out of descriptors and the like: 100 ms back-off instead of a hot loop.
            accept_retry_.expires_after(std::chrono::milliseconds(100));
            accept_retry_.async_wait([this](const std::error_code& wait_ec) {
                if (!wait_ec) do_accept();
            });
            return;
        }
        std::make_shared<control_session>(std::move(socket), proxy_)->start();
        do_accept();
    });
}

}  // namespace rt::chaos
