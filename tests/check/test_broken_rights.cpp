// Group 10 (rights): every case passes against rt serve with a tokens file on helpdesk.spec (a
// full token and a limited agent token), and each fails against a relay that breaks exactly its
// rule: answering a refused subscribe or publish as if it were allowed, serving REST reads with the
// full token's rights, echoing a row the token may not read.
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

namespace {

using nlohmann::json;

// The agent may use two subscriptions of Ticket, publish only Ticket, read only team "support"'s
// tickets and write only low and normal priority ones (anywhere: reading and writing are separate
// rights, so it may write rows it cannot read).
const char* const rights_tokens_text = R"([tokens.check-full]
user = "checker"
subscribe = ["*"]
publish = ["*"]
presence = ["*"]
admin = true

[tokens.check-agent]
user = "agent"
subscribe = ["TeamQueue", "TicketDetail"]
publish = ["Ticket"]
[tokens.check-agent.filters.Ticket]
team = ["support"]
[tokens.check-agent.publish_filters.Ticket]
priority = ["low", "normal"]
)";
const std::set<std::string> rights_agent_subscriptions{"TeamQueue", "TicketDetail"};

std::string rights_tokens_file() {
    const std::string path = rt::test::temp_path("check-rights-tokens.toml");
    std::ofstream(path) << rights_tokens_text;
    return path;
}

struct rights_fixture : rt::test::check_fixture {
    rights_fixture() : check_fixture("helpdesk.spec", {"--tokens", rights_tokens_file()}, "check-full", "check-agent") {}
};

// Rewrites the server's replies knowing the request each answers (the client's message with the
// same id on that connection): `fn(reply, request)` returns what the client gets instead.
using rights_reply_fn = std::function<std::vector<json>(const json& reply, const json& request)>;

rt::test::rule_factory rights_replies(rights_reply_fn fn) {
    return rt::test::rewrite_json_both_ways([fn] {
        auto requests = std::make_shared<std::map<std::string, json>>();  // by id; both sides run on the connection's thread
        rt::test::json_sides sides;
        sides.from_client = [requests](json m) {
            if (m.is_object() && m.contains("id")) (*requests)[m["id"].dump()] = m;
            return std::vector<json>{std::move(m)};
        };
        sides.from_server = [requests, fn](json m) {
            const auto req = m.is_object() && m.contains("id") ? requests->find(m["id"].dump()) : requests->end();
            return req == requests->end() ? std::vector<json>{std::move(m)} : fn(m, req->second);
        };
        return sides;
    });
}

// Plain HTTP requests whose request line starts with `prefix` are sent with the full token
// instead of the agent's: the server answers them with the full token's rights.
class rights_http_rule : public rt::test::relay_rule {
public:
    explicit rights_http_rule(std::string prefix) : prefix_(std::move(prefix)) {}
    std::optional<std::string> on_http_request(std::string& head) override {
        const std::string from = "Bearer check-agent", to = "Bearer check-full";
        if (head.rfind(prefix_, 0) == 0)
            if (auto at = head.find(from); at != std::string::npos) head.replace(at, from.size(), to);
        return std::nullopt;
    }

private:
    std::string prefix_;
};

rt::test::rule_factory rights_rest_with_full_token(const std::string& prefix) {
    return [prefix] { return std::make_unique<rights_http_rule>(prefix); };
}

json rights_fake_subscribed(const json& request) {
    return json{{"type", "subscribed"}, {"id", request["id"]}, {"subscription", request["subscription"]}, {"epoch", "broken"},
                {"seq", 0}, {"recovered", false}, {"initial", json::array()}};
}

json rights_fake_published(const json& request) {
    return json{{"type", "published"}, {"id", request["id"]}, {"entity", request["entity"]}, {"data", request["data"]}};
}

// FORBIDDEN replies to the requests `which` picks are answered `fake(request)` instead: the
// server's refusal, turned into a yes.
rt::test::rule_factory rights_allow_forbidden(std::function<bool(const json&)> which, json (*fake)(const json&)) {
    return rights_replies([which, fake](const json& reply, const json& req) {
        const bool forbidden = reply.value("type", "") == "error" && reply.value("code", "") == "FORBIDDEN";
        return std::vector<json>{forbidden && which(req) ? fake(req) : reply};
    });
}

// The case passes straight against rt serve with the tokens above and fails through `rule`.
void rights_breaks(const std::string& id, rt::test::rule_factory rule) {
    rights_fixture fx;
    rt::test::require_breaks(fx, id, std::move(rule));
}

}  // namespace

TEST_CASE("rights: every case passes against rt serve with a full and a limited token (helpdesk.spec)") {
    rights_fixture fx;
    const auto run = fx.run("10.*");
    REQUIRE(run.results.size() == 7);
    for (const auto& r : run.results) {
        INFO(r.id << " " << r.title << ": " << r.reason << "\n" << r.transcript_text);
        CHECK(r.status == rt::check::case_status::pass);  // not skipped: the tokens give each case its subject
    }
}

TEST_CASE("rights: every case is skipped (never passed) without --limited-token or in development mode") {
    rt::test::check_fixture with_tokens("helpdesk.spec", {"--tokens", rights_tokens_file()}, "check-full");
    for (const auto& r : with_tokens.run("10.*").results) {
        INFO(r.id << ": " << r.reason);
        CHECK(r.status == rt::check::case_status::skip);
        CHECK(r.reason.find("--limited-token") != std::string::npos);
    }
    rt::test::check_fixture dev("helpdesk.spec", {}, "", "anything");
    for (const auto& r : dev.run("10.*").results) {
        INFO(r.id << ": " << r.reason);
        CHECK(r.status == rt::check::case_status::skip);
        CHECK(r.reason.find("\"all\"") != std::string::npos);
    }
}

TEST_CASE("10.1 fails when a subscription the token may not use is answered subscribed") {
    rights_breaks("10.1", rights_allow_forbidden(
                              [](const json& req) {
                                  return req.value("type", "") == "subscribe" &&
                                         rights_agent_subscriptions.count(req.value("subscription", "")) == 0;
                              },
                              rights_fake_subscribed));
}

TEST_CASE("10.2 fails when a publish to an entity outside the publish list is answered published") {
    rights_breaks("10.2", rights_allow_forbidden(
                              [](const json& req) { return req.value("type", "") == "publish" && req.value("entity", "") != "Ticket"; },
                              rights_fake_published));
}

TEST_CASE("10.3 fails when a subscribe with a filter outside the read scope is answered subscribed") {
    rights_breaks("10.3", rights_allow_forbidden(
                              [](const json& req) {
                                  return req.value("type", "") == "subscribe" &&
                                         rights_agent_subscriptions.count(req.value("subscription", "")) > 0;
                              },
                              rights_fake_subscribed));
}

TEST_CASE("10.4 fails when REST GET /api/<Entity> lists rows outside the token's read scope") {
    rights_breaks("10.4", rights_rest_with_full_token("GET /api/Ticket?"));
}

TEST_CASE("10.5 fails when REST GET /api/<Entity>/<id> serves a row outside the token's read scope") {
    rights_breaks("10.5", rights_rest_with_full_token("GET /api/Ticket/"));
}

TEST_CASE("10.6 fails when published echoes a row the token may not read") {
    rights_breaks("10.6", rights_replies([](const json& reply, const json& req) {
        if (reply.value("type", "") == "published" && reply.value("data", json()).size() == 1 && req.contains("data")) {
            json r = reply;
            r["data"] = req["data"];
            return std::vector<json>{r};
        }
        return std::vector<json>{reply};
    }));
}

TEST_CASE("10.7 fails when a write outside the write scope is answered published") {
    rights_breaks("10.7", rights_allow_forbidden(
                              [](const json& req) { return req.value("type", "") == "publish" && req.value("entity", "") == "Ticket"; },
                              rights_fake_published));
}
