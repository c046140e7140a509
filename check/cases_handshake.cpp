// Group 1: connecting (docs/protocol.md §2): the endpoint path, the handshake, tokens, Origin.
#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

void upgrade_on_path(case_context& c) {
    check_peer& a = c.connect();
    a.sync();  // the connection carries messages: ping → pong
}

void other_path_not_upgraded(case_context& c) {
    std::string res = c.resource();
    res.insert(c.target().path.size(), "-rtcheck-nowhere");
    const http_head h = c.handshake(res);
    if (h.status == 101) fail("an upgrade for " + res + " was accepted (101); only " + c.target().path + " is the endpoint");
    if (h.status != 404) fail("an upgrade for " + res + " got HTTP " + std::to_string(h.status) + " instead of 404");
}

void bad_version_refused(case_context& c) {
    const http_head h = c.handshake(c.resource(), {{"Sec-WebSocket-Version", "12"}});
    if (h.status != 400) fail("Sec-WebSocket-Version: 12 got HTTP " + std::to_string(h.status) + " instead of 400");
    if (h.header("Sec-WebSocket-Version").find("13") == std::string::npos)
        fail("the 400 does not list the versions spoken in Sec-WebSocket-Version (got '" + h.header("Sec-WebSocket-Version") + "')");
}

void no_token_auth_required(case_context& c) {
    c.need_token();
    check_peer& a = c.connect("A", {}, {}, false);
    const json e = a.next_of("error");
    if (e.value("code", "") != "AUTH_REQUIRED") fail("expected error AUTH_REQUIRED; got " + e.dump());
    if (e.contains("id")) fail("AUTH_REQUIRED must not carry an id: " + e.dump());
    const auto code = a.wait_close(a.step_timeout());
    if (!code) fail("the connection was not closed after AUTH_REQUIRED");
    if (*code != 4001) fail("closed with " + std::to_string(*code) + " instead of 4001 after AUTH_REQUIRED");
}

void wrong_token_auth_required(case_context& c) {
    c.need_token();
    check_peer& a = c.connect("A", "token=rtcheck-not-a-token", {}, false);
    const json e = a.next_of("error");
    if (e.value("code", "") != "AUTH_REQUIRED") fail("expected error AUTH_REQUIRED for an unknown token; got " + e.dump());
    const auto code = a.wait_close(a.step_timeout());
    if (!code || *code != 4001) fail("an unknown token's connection was not closed with 4001");
}

void bearer_header_accepted(case_context& c) {
    c.need_token();
    check_peer& a = c.connect("A", {}, {{"Authorization", "Bearer " + c.target().token}}, false);
    a.sync();
    a.expect_none([](const json& m) { return m.value("type", "") == "error"; }, "error after a valid Bearer token", ms(0));
}

void foreign_origin_refused(case_context& c) {
    const http_head h = c.handshake(c.resource(), {{"Origin", "https://rtcheck.invalid"}});
    if (h.status != 403) fail("an upgrade with Origin: https://rtcheck.invalid got HTTP " + std::to_string(h.status) + " instead of 403");
}

}  // namespace

case_group handshake_cases(int number) {
    return make_group(number, "handshake", "Handshake and authentication",
                      {
                          {"", "the endpoint path upgrades to WebSocket and carries messages", "§2 URL", upgrade_on_path},
                          {"", "another path is not upgraded: HTTP 404", "§2 URL", other_path_not_upgraded},
                          {"", "an unsupported Sec-WebSocket-Version gets HTTP 400 listing the versions spoken", "§2 URL", bad_version_refused},
                          {"", "no token: upgraded, error AUTH_REQUIRED without id, close 4001", "§2 Authentication", no_token_auth_required},
                          {"", "an unknown token: AUTH_REQUIRED, close 4001", "§2 Authentication", wrong_token_auth_required},
                          {"", "the token in Authorization: Bearer is accepted", "§2 Authentication", bearer_header_accepted},
                          {"", "an upgrade from a foreign Origin gets HTTP 403", "§2 Browsers: the Origin rule", foreign_origin_refused},
                      });
}

}  // namespace rt::check
