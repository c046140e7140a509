#include "check/broken_peer.hpp"

#include <algorithm>
#include <cctype>
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

class edit_rule : public relay_rule {
public:
    edit_rule(request_edit req, response_edit resp, client_frame_edit frame)
        : req_(std::move(req)), resp_(std::move(resp)), frame_(std::move(frame)) {}
    std::optional<std::string> on_request(std::string& head) override { return req_ ? req_(head) : std::nullopt; }
    void on_response(std::string& head) override {
        if (resp_) resp_(head);
    }
    relay_out from_client(check::ws_frame f) override {
        relay_out o;
        if (!frame_) o.to_server.push_back(std::move(f));
        else if (auto g = frame_(std::move(f))) o.to_server.push_back(std::move(*g));
        return o;
    }

private:
    request_edit req_;
    response_edit resp_;
    client_frame_edit frame_;
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

rule_factory edit_request(request_edit fn) {
    return [fn] { return std::make_unique<edit_rule>(fn, nullptr, nullptr); };
}

rule_factory edit_response(response_edit fn) {
    return [fn] { return std::make_unique<edit_rule>(nullptr, fn, nullptr); };
}

rule_factory edit_client_frames(client_frame_edit fn) {
    return [fn] { return std::make_unique<edit_rule>(nullptr, nullptr, fn); };
}

void remove_header(std::string& head, const std::string& name) {
    std::string out;
    std::size_t pos = 0;
    while (pos <= head.size()) {
        std::size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        const std::string line = head.substr(pos, end - pos);
        bool drop = line.size() > name.size() && line[name.size()] == ':';
        for (std::size_t i = 0; drop && i < name.size(); ++i)
            drop = std::tolower(static_cast<unsigned char>(line[i])) == std::tolower(static_cast<unsigned char>(name[i]));
        if (!drop) out += (out.empty() ? "" : "\r\n") + line;
        pos = end + 2;
    }
    head = out;
}

}  // namespace rt::test
