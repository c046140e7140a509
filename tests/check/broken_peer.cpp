#include "check/broken_peer.hpp"

#include <algorithm>
#include <memory>

namespace rt::test {

namespace {

class both_ways_rule : public relay_rule {
public:
    explicit both_ways_rule(json_sides s)
        : on_request_(std::move(s.on_request)),
          client_(rewrite_client_json(std::move(s.from_client))()),
          server_(rewrite_server_json(std::move(s.from_server))()) {}
    std::optional<std::string> on_request(std::string& head) override {
        if (on_request_) on_request_(head);
        return std::nullopt;
    }
    relay_out from_client(check::ws_frame f) override { return client_->from_client(std::move(f)); }
    relay_out from_server(check::ws_frame f) override { return server_->from_server(std::move(f)); }

private:
    std::function<void(const std::string&)> on_request_;
    std::unique_ptr<relay_rule> client_, server_;
};

}  // namespace

rule_factory rewrite_json_both_ways(std::function<json_sides()> make) {
    return [make] { return std::make_unique<both_ways_rule>(make()); };
}

std::string request_query_value(const std::string& head, const std::string& key) {
    const std::string line = head.substr(0, head.find("\r\n"));
    const std::size_t q = line.find('?');
    const std::size_t end = line.find(' ', q == std::string::npos ? 0 : q);
    if (q == std::string::npos || end == std::string::npos) return {};
    const std::string query = line.substr(q + 1, end - q - 1);
    std::size_t at = 0;
    while (at <= query.size()) {
        const std::size_t amp = std::min(query.find('&', at), query.size());
        const std::string part = query.substr(at, amp - at);
        if (part.rfind(key + "=", 0) == 0) return part.substr(key.size() + 1);
        at = amp + 1;
    }
    return {};
}

}  // namespace rt::test
