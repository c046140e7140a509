// Group 9 (presence): each case fails against a relay in front of rt serve that breaks exactly its
// rule, and passes straight against the server (development mode: users named with ?user=).
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

namespace {

using nlohmann::json;
using rt::test::json_sides;

bool presence_is_list(const json& m) { return m.value("type", "") == "presence" && m.contains("users") && m["users"].is_array(); }

bool presence_is_action(const json& m, const char* action) {
    return m.value("type", "") == "presence" && m.value("action", "") == action;
}

void presence_require_broken(const std::string& id, rt::test::rule_factory rule) {
    rt::test::check_fixture fx("helpdesk.spec");
    rt::test::require_breaks(fx, id, std::move(rule));
}

// Who is on each resource by connection, as the relay saw the joins and leaves go by (every
// connection shares it).
struct presence_connections {
    std::mutex mu;
    int next_conn = 0;
    std::map<std::string, std::map<std::string, std::set<int>>> on;  // resource → user → connections
};

}  // namespace

TEST_CASE("9.1 fails when the list sent to a join's sender echoes the join's id") {
    presence_require_broken("9.1", rt::test::rewrite_json_both_ways([] {
        auto last_id = std::make_shared<json>();
        json_sides s;
        s.from_client = [last_id](json m) {
            if (m.value("type", "") == "presence" && m.contains("id")) *last_id = m["id"];
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [last_id](json m) {
            if (presence_is_list(m) && !last_id->is_null()) m["id"] = *last_id;
            return std::vector<json>{std::move(m)};
        };
        return s;
    }));
}

TEST_CASE("9.2 fails when the users are listed in reverse id order") {
    presence_require_broken("9.2", rt::test::rewrite_server_json([](json m) {
        if (presence_is_list(m)) std::reverse(m["users"].begin(), m["users"].end());
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("9.3 fails when the sender of a leave gets no list") {
    presence_require_broken("9.3", rt::test::rewrite_json_both_ways([] {
        auto left = std::make_shared<std::set<std::string>>();  // resources this connection left
        json_sides s;
        s.from_client = [left](json m) {
            if (presence_is_action(m, "leave")) left->insert(m.value("resource", ""));
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [left](json m) {
            if (presence_is_list(m) && left->count(m.value("resource", ""))) return std::vector<json>{};
            return std::vector<json>{std::move(m)};
        };
        return s;
    }));
}

TEST_CASE("9.4 fails when a disconnect is not sent to the others on the resource") {
    // A list that shrank without this connection leaving is swallowed: only a disconnect makes one.
    presence_require_broken("9.4", rt::test::rewrite_json_both_ways([] {
        auto sizes = std::make_shared<std::map<std::string, std::size_t>>();  // resource → users in the last list
        auto left = std::make_shared<std::set<std::string>>();
        json_sides s;
        s.from_client = [left](json m) {
            if (presence_is_action(m, "leave")) left->insert(m.value("resource", ""));
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [sizes, left](json m) {
            if (!presence_is_list(m)) return std::vector<json>{std::move(m)};
            const std::string res = m.value("resource", "");
            const std::size_t n = m["users"].size();
            const bool shrank = sizes->count(res) && n < (*sizes)[res] && !left->count(res);
            (*sizes)[res] = n;
            if (shrank) return std::vector<json>{};
            return std::vector<json>{std::move(m)};
        };
        return s;
    }));
}

TEST_CASE("9.5 fails when a user on two connections is listed once per connection") {
    auto state = std::make_shared<presence_connections>();
    presence_require_broken("9.5", rt::test::rewrite_json_both_ways([state] {
        auto user = std::make_shared<std::string>();
        int conn = 0;
        {
            std::lock_guard<std::mutex> lock(state->mu);
            conn = state->next_conn++;
        }
        json_sides s;
        s.on_request = [user](const std::string& head) { *user = rt::test::request_query_value(head, "user"); };
        s.from_client = [state, user, conn](json m) {
            std::lock_guard<std::mutex> lock(state->mu);
            const std::string res = m.value("resource", "");
            if (presence_is_action(m, "join")) state->on[res][*user].insert(conn);
            if (presence_is_action(m, "leave")) state->on[res][*user].erase(conn);
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [state](json m) {
            if (!presence_is_list(m)) return std::vector<json>{std::move(m)};
            std::lock_guard<std::mutex> lock(state->mu);
            auto& users = state->on[m.value("resource", "")];
            json listed = json::array();
            for (const json& u : m["users"])
                for (std::size_t i = 0; i < std::max<std::size_t>(1, users[u.value("id", "")].size()); ++i) listed.push_back(u);
            m["count"] = listed.size();
            m["users"] = std::move(listed);
            return std::vector<json>{std::move(m)};
        };
        return s;
    }));
}
