// Group 1 (handshake) against broken peers: each case fails against a relay in front of rt serve
// that breaks exactly the rule the case checks, and passes straight against rt serve. The token
// cases run against a server with a tokens file.
#include <fstream>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

using namespace rt::test;

namespace {

const std::string hs_token = "rtcheck-handshake-token";

// A tokens file with one token that may do everything.
std::string hs_tokens_file() {
    const std::string path = temp_path("check-handshake-tokens.toml");
    std::ofstream(path) << "[tokens." << hs_token << "]\nuser = \"checker\"\nsubscribe = [\"*\"]\npublish = [\"*\"]\npresence = [\"*\"]\n";
    return path;
}

struct hs_token_fixture : check_fixture {
    hs_token_fixture() : check_fixture("helpdesk.spec", {"--tokens", hs_tokens_file()}, hs_token) {}
};

// The request line's target ("/live?token=x"), and the head with it replaced.
std::string hs_target(const std::string& head) {
    const std::size_t a = head.find(' '), b = head.find(' ', a + 1);
    return head.substr(a + 1, b - a - 1);
}
void hs_set_target(std::string& head, const std::string& target) {
    const std::size_t a = head.find(' '), b = head.find(' ', a + 1);
    head.replace(a + 1, b - a - 1, target);
}

}  // namespace

TEST_CASE("1.1 fails when the endpoint path is not upgraded (404)") {
    check_fixture fx("helpdesk.spec");
    require_breaks(fx, "1.1", edit_request([](std::string&) -> std::optional<std::string> {
        return std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }), "upgrade was refused");
}

TEST_CASE("1.2 fails when every path is upgraded") {
    check_fixture fx("helpdesk.spec");
    require_breaks(fx, "1.2", edit_request([](std::string& head) -> std::optional<std::string> {
        const std::string t = hs_target(head);
        const std::size_t q = t.find('?');
        hs_set_target(head, "/live" + (q == std::string::npos ? std::string() : t.substr(q)));
        return std::nullopt;
    }), "was accepted (101)");
}

TEST_CASE("1.3 fails when the 400 for an unsupported version does not list the versions spoken") {
    check_fixture fx("helpdesk.spec");
    require_breaks(fx, "1.3", edit_response([](std::string& head) { remove_header(head, "Sec-WebSocket-Version"); }), "does not list the versions");
}

TEST_CASE("1.4 fails when a connection without a token is let in") {
    hs_token_fixture fx;
    require_breaks(fx, "1.4", edit_request([](std::string& head) -> std::optional<std::string> {
        const std::string t = hs_target(head);
        if (t.find("token=") == std::string::npos)
            hs_set_target(head, t + (t.find('?') == std::string::npos ? "?" : "&") + "token=" + hs_token);
        return std::nullopt;
    }), "expected a 'error' message");
}

TEST_CASE("1.5 fails when an unknown token is let in") {
    hs_token_fixture fx;
    require_breaks(fx, "1.5", edit_request([](std::string& head) -> std::optional<std::string> {
        std::string t = hs_target(head);
        const std::string unknown = "token=rtcheck-not-a-token";
        if (const std::size_t at = t.find(unknown); at != std::string::npos) t.replace(at, unknown.size(), "token=" + hs_token);
        hs_set_target(head, t);
        return std::nullopt;
    }), "expected a 'error' message");
}

TEST_CASE("1.6 fails when the token in Authorization: Bearer is ignored") {
    hs_token_fixture fx;
    require_breaks(fx, "1.6", edit_request([](std::string& head) -> std::optional<std::string> {
        remove_header(head, "Authorization");
        return std::nullopt;
    }), "reply with id \"sync-");
}

TEST_CASE("1.7 fails when an upgrade from any Origin is accepted") {
    check_fixture fx("helpdesk.spec");
    require_breaks(fx, "1.7", edit_request([](std::string& head) -> std::optional<std::string> {
        remove_header(head, "Origin");
        return std::nullopt;
    }), "got HTTP 101");
}
