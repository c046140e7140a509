#include "loadgen/subscriber_link.hpp"

#include "client/sse_connection.hpp"
#include "client/sse_request.hpp"
#include "client/ws_connection.hpp"

namespace rt::loadgen {

namespace {

class ws_link final : public subscriber_link {
public:
    ws_link(std::shared_ptr<client::ws_connection> con, std::string subscribe_text)
        : con_(std::move(con)), subscribe_text_(std::move(subscribe_text)) {}
    std::error_code subscribe() override { return con_->send(subscribe_text_); }
    void close(const std::string& reason) override { con_->close(proto::close_code::normal, reason); }

private:
    std::shared_ptr<client::ws_connection> con_;
    std::string subscribe_text_;
};

class sse_link final : public subscriber_link {
public:
    explicit sse_link(std::shared_ptr<client::sse_connection> con) : con_(std::move(con)) {}
    std::error_code subscribe() override { return {}; }  // the request was the subscribe
    void close(const std::string&) override { con_->close(); }

private:
    std::shared_ptr<client::sse_connection> con_;
};

result<std::shared_ptr<subscriber_link>, std::string> open_ws_link(client::io_loop& loop, const loadgen_config& config,
                                                                   const std::string& url, const proto::subscribe_msg& sub,
                                                                   const std::string& local_address, link_handlers h) {
    client::ws_options opts = ws_options_of(config);
    opts.local_address = local_address;
    client::ws_handlers wh{std::move(h.on_open), std::move(h.on_message), std::move(h.on_close)};
    auto con = client::ws_connection::connect(loop, url, std::move(wh), opts);
    if (!con) return make_unexpected(con.error());
    return std::shared_ptr<subscriber_link>(std::make_shared<ws_link>(std::move(con.value()), subscribe_frame(sub)));
}

result<std::shared_ptr<subscriber_link>, std::string> open_sse_link(client::io_loop& loop, const loadgen_config& config,
                                                                    const std::string& url, const proto::subscribe_msg& sub,
                                                                    const std::string& local_address, link_handlers h) {
    auto req = client::sse_request_of(url, sub, config.token);
    if (!req) return make_unexpected(req.error());
    client::sse_options opts;
    opts.local_address = local_address;
    opts.tls = config.tls;
    // The `error` event's data, kept for on_close: the server ends the stream right after it.
    auto error_event = std::make_shared<std::string>();
    client::sse_handlers sh;
    sh.on_open = std::move(h.on_open);
    sh.on_item = [on_message = std::move(h.on_message), error_event](const proto::sse_item& item) {
        if (item.what != proto::sse_item::kind::event) return;  // heartbeats, retry
        if (item.type == "error") {
            *error_event = item.data;
            return;
        }
        on_message(item.data);  // snapshot, resumed, change: a server message each
    };
    sh.on_close = [on_close = std::move(h.on_close), error_event](int code, std::string reason) {
        if (!error_event->empty()) reason = "error event: " + *error_event;
        on_close(code, std::move(reason));
    };
    auto con = client::sse_connection::connect(loop, *req, std::move(sh), opts);
    if (!con) return make_unexpected(con.error());
    return std::shared_ptr<subscriber_link>(std::make_shared<sse_link>(std::move(con.value())));
}

}  // namespace

std::string subscribe_frame(const proto::subscribe_msg& sub) {
    return proto::encode_client(proto::client_message{"s", sub});
}

result<std::shared_ptr<subscriber_link>, std::string> open_link(client::io_loop& loop, const loadgen_config& config,
                                                                const std::string& url, const proto::subscribe_msg& sub,
                                                                const std::string& local_address, link_handlers handlers) {
    if (config.transport == transport::sse) return open_sse_link(loop, config, url, sub, local_address, std::move(handlers));
    return open_ws_link(loop, config, url, sub, local_address, std::move(handlers));
}

}  // namespace rt::loadgen
