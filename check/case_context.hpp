#pragma once
// What a case works with: the server under test (URL, token, what it announces in GET
// /api/_info), the app's shape, the case's transcript, and helpers for the steps most cases
// share — connect, subscribe, insert/update/delete a row of the case's own, fresh filter values
// (each case gets streams nobody else uses) — each failing the case with a clear message when the
// server does not answer as docs/protocol.md says. Rows a case inserts are deleted when it ends.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/app_shape.hpp"
#include "check/check_peer.hpp"
#include "check/transcript.hpp"

namespace rt::check {

struct check_target {
    std::string host;
    std::uint16_t port = 0;
    std::string path = "/live";
    std::string query;   // the URL's own query, without '?' (kept on every connection)
    std::string token;   // "" : development mode (no token sent)
    std::string limited_token;  // --limited-token: a second token with fewer rights (group 10); "" : none
    ms step_timeout{3000};
};

// GET /api/_info, when the server offers it (docs/protocol.md §13).
struct server_info {
    bool announced = false;
    nlohmann::json raw;
    // A limit by its key ("max_subscriptions"); nullopt when not announced.
    std::optional<double> limit(const std::string& key) const;
    // A feature flag ("presence"); nullopt when not announced.
    std::optional<bool> feature(const std::string& key) const;
};

class case_context {
public:
    case_context(const check_target& target, const app_shape& shape, const server_info& info, std::string run_tag,
                 transcript& log);
    ~case_context();
    case_context(const case_context&) = delete;
    case_context& operator=(const case_context&) = delete;

    const check_target& target() const { return target_; }
    const app_shape& shape() const { return shape_; }
    const server_info& info() const { return info_; }
    transcript& log() { return log_; }

    // The request target of an upgrade: path?query, plus ?token= when `with_token` and one is set,
    // plus `extra` ("user=alice").
    std::string resource(bool with_token = true, const std::string& extra = {}) const;
    // Opens a connection (named `name` in the transcript) with the check's token. fail() when the
    // server does not upgrade it.
    check_peer& connect(const std::string& name = "A", const std::string& extra_query = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {}, bool with_token = true);
    // Sends an upgrade request (or any request) and returns the answer without keeping the
    // connection; logged in the transcript.
    http_head handshake(const std::string& resource, const std::vector<std::pair<std::string, std::string>>& headers = {});
    // Opens a connection without failing: the upgrade's answer when it is refused.
    result<check_peer*, http_head> try_connect(const std::string& name, const std::string& resource,
                                                const std::vector<std::pair<std::string, std::string>>& headers = {});

    // A fresh value of the filter attribute, and the filter {attr: value}: a stream of this case alone.
    std::string fresh_value();
    nlohmann::json filter(const std::string& value) const;
    // A row of the case: a fresh id, inside the view, in stream `value`, with `payload`.
    nlohmann::json make_row(const std::string& value, const std::string& payload);
    // A fresh request id.
    nlohmann::json next_id();

    // subscribe → the `subscribed` reply (fail on anything else). `extra` is merged into the
    // message (since, sid).
    nlohmann::json subscribe(check_peer& p, const std::string& subscription, const nlohmann::json& filter,
                             const nlohmann::json& extra = nlohmann::json::object());
    // publish → the `published` reply's data (fail on an error). Inserted rows are deleted when the case ends.
    nlohmann::json insert(check_peer& p, const nlohmann::json& row);
    nlohmann::json update(check_peer& p, const nlohmann::json& fields);
    nlohmann::json remove(check_peer& p, const std::string& id);
    // Deletes row `id` when the case ends (a row the case inserted with its own publish message).
    void remember_row(const std::string& id) { inserted_.push_back(id); }
    // The connection that publishes for the case (opened on first use, named "pub").
    check_peer& publisher();

    // skip() unless the server announces `key`; its value.
    double need_limit(const std::string& key) const;
    // skip() unless the server says it has `feature`.
    void need_feature(const std::string& feature) const;
    // skip() unless the check was given a token (the server uses tokens).
    void need_token() const;
    // skip() unless the shape has an update that moves a row out of the view.
    void need_leave() const;

private:
    nlohmann::json publish(check_peer& p, const std::string& op, const nlohmann::json& data);

    const check_target& target_;
    const app_shape& shape_;
    const server_info& info_;
    std::string tag_;
    transcript& log_;
    std::vector<std::unique_ptr<check_peer>> peers_;
    check_peer* publisher_ = nullptr;
    std::vector<std::string> inserted_;  // ids to delete at the end
    std::uint64_t counter_ = 0;
};

}  // namespace rt::check
