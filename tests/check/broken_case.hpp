#pragma once
// Broken-peer tests of rt check cases: a case passes straight against a real rt serve, then fails
// through a breaking_relay whose rule breaks the one protocol rule the case checks, for a reason
// naming that rule (so it fails at the rule, not at an earlier step the broken peer also upsets).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "check/check_fixture.hpp"

namespace rt::test {

// Starts `rt serve --spec scenarios/<spec> EXTRA...`, runs case `id` straight (it must pass), then
// through a relay applying `rule` (it must fail, with `why` in its reason).
inline void require_case_broken(const std::string& spec, const std::string& id, rule_factory rule, const std::string& why,
                                std::vector<std::string> extra = {}) {
    check_fixture fx(spec, std::move(extra));
    const check::check_run straight = fx.run(id);
    REQUIRE_CASE_PASSES(straight);
    const check::check_run broken = fx.run_broken(id, std::move(rule));
    REQUIRE_CASE_FAILS(broken);
    CHECK_THAT(only_case(broken).reason, Catch::Contains(why));
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
