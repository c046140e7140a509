#pragma once
// For the broken-peer tests (tests/check/test_broken_<group>.cpp): a breaking_relay rule that
// rewrites JSON messages both ways on one connection, for rules that need what the client sent to
// change what the server answers ("echo the join's id in the presence list") or the request's
// query ("who is this connection's user"); and the check every such test makes.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/breaking_relay.hpp"
#include "check/check_fixture.hpp"

namespace rt::test {

// What one relayed connection does; both rewrites work as in rewrite_client_json /
// rewrite_server_json (control frames and text that is not JSON pass unchanged).
struct json_sides {
    json_rewrite from_client = [](nlohmann::json m) { return std::vector<nlohmann::json>{std::move(m)}; };
    json_rewrite from_server = [](nlohmann::json m) { return std::vector<nlohmann::json>{std::move(m)}; };
    // Sees the client's upgrade request head (request line and headers) before anything else.
    std::function<void(const std::string& head)> on_request;
};

// `make` is called once per relayed connection: the sides it returns may share state of their
// own (a shared_ptr made inside), and state captured by `make` is shared by every connection
// (guard it with a mutex: each connection has its own thread).
rule_factory rewrite_json_both_ways(std::function<json_sides()> make);

// The value of query parameter `key` in an upgrade request head ("" when absent). Not decoded.
std::string request_query_value(const std::string& head, const std::string& key);

// Rules for what JSON rewriting cannot break: the upgrade request (edit it, or return a whole HTTP
// answer to send instead of forwarding), the server's answer head, and the client's frames
// themselves (binary frames, text that is not UTF-8, oversized frames: return nullopt to drop one).
using request_edit = std::function<std::optional<std::string>(std::string& head)>;
using response_edit = std::function<void(std::string& head)>;
using client_frame_edit = std::function<std::optional<check::ws_frame>(check::ws_frame f)>;
rule_factory edit_request(request_edit fn);
rule_factory edit_response(response_edit fn);
rule_factory edit_client_frames(client_frame_edit fn);

// Removes the header `name` (any case) from an HTTP head.
void remove_header(std::string& head, const std::string& name);

// Case `id` passes straight against the fixture's server and fails through a relay applying `rule`;
// when `why` is given, its reason contains it (the case fails at the rule it checks, not at an
// earlier step the broken peer also upsets).
inline void require_breaks(check_fixture& fx, const std::string& id, rule_factory rule, const std::string& why = {}) {
    // Named: the macros keep a reference into the run.
    const auto straight = fx.run(id);
    REQUIRE_CASE_PASSES(straight);
    const auto broken = fx.run_broken(id, std::move(rule));
    REQUIRE_CASE_FAILS(broken);
    if (!why.empty()) CHECK_THAT(only_case(broken).reason, Catch::Contains(why));
}
// The same against a server of its own: `rt serve --spec scenarios/<spec> EXTRA...`.
inline void require_breaks(const std::string& spec, std::vector<std::string> extra, const std::string& id, rule_factory rule,
                           const std::string& why = {}) {
    check_fixture fx(spec, std::move(extra));
    require_breaks(fx, id, std::move(rule), why);
}

// `m` is a message of `type`.
inline bool message_is(const nlohmann::json& m, const char* type) { return m.value("type", "") == type; }

// Rules that edit each JSON message in place and keep it (rewrite_server_json / rewrite_client_json
// for rules that never drop or add one). A stateful `edit` starts afresh on each connection.
inline rule_factory edit_server_json(std::function<void(nlohmann::json&)> edit) {
    return rewrite_server_json([edit](nlohmann::json m) {
        edit(m);
        return std::vector<nlohmann::json>{std::move(m)};
    });
}
inline rule_factory edit_client_json(std::function<void(nlohmann::json&)> edit) {
    return rewrite_client_json([edit](nlohmann::json m) {
        edit(m);
        return std::vector<nlohmann::json>{std::move(m)};
    });
}

}  // namespace rt::test
