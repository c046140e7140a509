#pragma once
// A small boards app for the set and prefix filter tests (issue 19, item 4): cards on boards named
// "team/board", a token for everything and one pinned to board b1. Shared by the single-node and
// the --broker tests, which run the same cases.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "helpdesk.hpp"

namespace rt::test {

inline const char* boards_spec_text() {
    return R"(app Boards {
  entity Card {
    attr title: string
    attr board: string
    attr status: "todo" | "doing" | "done"
  }
  subscription Cards: Card
}
)";
}

inline const char* boards_tokens_text() {
    return R"([tokens.tok-all]
user = "all"
subscribe = ["*"]
publish = ["*"]

[tokens.tok-b1]
user = "pinned"
subscribe = ["Cards"]
[tokens.tok-b1.filters.Card]
board = ["b1"]
)";
}

// A server of the boards app with its tokens, plus `extra` flags (e.g. --broker URL).
inline rt_server boards_server(std::vector<std::string> extra = {}) {
    static const std::string spec = write_rights_file("boards.spec", boards_spec_text());
    std::string tokens = write_rights_file("boards-tokens.toml", boards_tokens_text());
    std::vector<std::string> args{"--tokens", tokens};
    for (auto& e : extra) args.push_back(std::move(e));
    return rt_server(args, spec);
}

inline json boards_card(const std::string& id, const std::string& board, const std::string& status) {
    return {{"id", id}, {"title", "t " + id}, {"board", board}, {"status", status}};
}

// Publishes Card changes on one connection, each with its own id, REQUIREd to succeed.
struct boards_publisher {
    client::sync_client& conn;
    int n = 0;
    void operator()(const std::string& op, const json& row) {
        REQUIRE(publish(conn, "Card", op, row, "p" + std::to_string(n++))["type"] == "published");
    }
    // The cards the filter tests start from: c1 team-a/one todo, c2 team-a/two done, c3 team-b/one
    // doing, c4 team-ab todo (a board that shares the prefix "team-a" but not "team-a/").
    void seed() {
        (*this)("insert", boards_card("c1", "team-a/one", "todo"));
        (*this)("insert", boards_card("c2", "team-a/two", "done"));
        (*this)("insert", boards_card("c3", "team-b/one", "doing"));
        (*this)("insert", boards_card("c4", "team-ab", "todo"));
    }
};

// The ids of a snapshot's rows, sorted.
inline std::vector<std::string> boards_ids(const json& rows) {
    std::vector<std::string> ids;
    for (const auto& r : rows) ids.push_back(r["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace rt::test
