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

// The ids of a snapshot's rows, sorted.
inline std::vector<std::string> boards_ids(const json& rows) {
    std::vector<std::string> ids;
    for (const auto& r : rows) ids.push_back(r["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace rt::test
