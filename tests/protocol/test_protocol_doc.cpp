// docs/protocol.md cannot rot: its examples go through the codec, and its error-code and
// close-code tables must list exactly what the code knows.
//
// The document's conventions (also stated in a comment at its top):
// - A fenced block whose info string starts with the word "json" holds one message per line and
//   names its direction as the second word: "json client" (client to server: each line must
//   decode with decode_client), "json server" (server to client: each line must decode with
//   decode_server and re-encode with encode_server to the same JSON), "json rejected" (client to
//   server lines that decode_client must refuse with BAD_REQUEST). A json block without one of
//   these words is an error: every example is checked.
// - The table that follows the line "<!-- table: error-codes -->" has one error code per row, in
//   backticks in the first cell. The table that follows "<!-- table: close-codes -->" has a close
//   code per row: the number in the first cell, its close_code:: name in backticks in the second.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/close_codes.hpp"
#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"

using namespace rt::proto;
using json = nlohmann::json;

namespace {

const std::string doc_path = std::string(RT_SOURCE_DIR) + "/docs/protocol.md";

std::vector<std::string> doc_lines() {
    std::ifstream in(doc_path);
    INFO("reading " << doc_path);
    REQUIRE(in.good());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

struct example {
    std::string direction;  // client, server, rejected; anything else is a document error
    std::string text;       // one message
    std::size_t line = 0;   // 1-based line in the document
};

struct fenced_json {
    std::vector<example> examples;
    std::vector<std::string> problems;  // json blocks without a known direction, unclosed blocks
};

// Every line of every ```json block, with the block's direction.
fenced_json extract_examples(const std::vector<std::string>& lines) {
    fenced_json out;
    bool in_block = false, is_json = false;
    std::string direction;
    std::size_t opened_at = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string t = trim(lines[i]);
        if (t.rfind("```", 0) == 0) {
            if (in_block) {
                if (t == "```") in_block = false;
                continue;
            }
            in_block = true;
            opened_at = i + 1;
            std::istringstream info(t.substr(3));
            std::string lang;
            info >> lang;
            direction.clear();
            info >> direction;
            is_json = lang == "json";
            if (is_json && direction != "client" && direction != "server" && direction != "rejected")
                out.problems.push_back("line " + std::to_string(i + 1) + ": a json block must say client, server or rejected, got '" +
                                       t + "'");
            continue;
        }
        if (in_block && is_json && !t.empty()) out.examples.push_back({direction, t, i + 1});
    }
    if (in_block) out.problems.push_back("a fenced block opened at line " + std::to_string(opened_at) + " is never closed");
    return out;
}

std::vector<example> examples_of(const std::string& direction) {
    std::vector<example> out;
    for (auto& e : extract_examples(doc_lines()).examples)
        if (e.direction == direction) out.push_back(e);
    return out;
}

// The cells of each row of the markdown table that follows `marker`, header and separator rows
// skipped. Empty when the marker is missing.
std::vector<std::vector<std::string>> table_after(const std::vector<std::string>& lines, const std::string& marker) {
    std::vector<std::vector<std::string>> rows;
    std::size_t i = 0;
    while (i < lines.size() && trim(lines[i]) != marker) ++i;
    if (i == lines.size()) return rows;
    ++i;
    while (i < lines.size() && trim(lines[i]).empty()) ++i;
    bool header = true;
    for (; i < lines.size(); ++i) {
        const std::string t = trim(lines[i]);
        if (t.empty() || t[0] != '|') break;
        std::vector<std::string> cells;
        std::string cell;
        for (std::size_t k = 1; k < t.size(); ++k) {
            if (t[k] == '|') {
                cells.push_back(trim(cell));
                cell.clear();
            } else {
                cell.push_back(t[k]);
            }
        }
        if (header) {  // the header row, then the |---| separator
            header = false;
            continue;
        }
        if (!cells.empty() && cells[0].find_first_not_of("-: ") == std::string::npos) continue;
        rows.push_back(cells);
    }
    return rows;
}

std::string unquote(const std::string& cell) {
    std::string s = trim(cell);
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    return s;
}

// Every value of rt::proto::error_code: the values whose wire name maps back to them.
std::vector<error_code> all_error_codes() {
    std::vector<error_code> out;
    for (int i = 0; i < 256; ++i) {
        const auto c = static_cast<error_code>(i);
        auto back = error_code_from_wire(to_wire(c));
        if (back && *back == c) out.push_back(c);
    }
    return out;
}

}  // namespace

TEST_CASE("protocol doc: every json block names its direction and is closed", "[protocol-doc]") {
    auto found = extract_examples(doc_lines());
    for (const auto& p : found.problems) FAIL_CHECK(p);
    CHECK(found.problems.empty());
}

TEST_CASE("protocol doc: every client example decodes, and each client message type has one", "[protocol-doc]") {
    auto examples = examples_of("client");
    std::set<std::size_t> kinds;
    for (const auto& e : examples) {
        INFO("docs/protocol.md line " << e.line << ": " << e.text);
        auto decoded = decode_client(e.text);
        INFO("decode_client: " << (decoded.ok() ? std::string("ok") : decoded.error().error.message));
        CHECK(decoded.ok());
        if (decoded.ok()) kinds.insert(decoded.value().body.index());
    }
    // A minimum, so that an emptied or mangled document fails.
    REQUIRE(examples.size() >= 20);
    CHECK(kinds.size() == std::variant_size_v<client_body>);
}

TEST_CASE("protocol doc: every server example decodes and re-encodes to the same JSON", "[protocol-doc]") {
    auto examples = examples_of("server");
    std::set<std::size_t> kinds;
    for (const auto& e : examples) {
        INFO("docs/protocol.md line " << e.line << ": " << e.text);
        const json original = json::parse(e.text, nullptr, false);
        REQUIRE_FALSE(original.is_discarded());
        auto decoded = decode_server(e.text);
        INFO("decode_server: " << (decoded.ok() ? std::string("ok") : decoded.error().message));
        CHECK(decoded.ok());
        if (!decoded.ok()) continue;
        kinds.insert(decoded.value().body.index());
        const std::string again = encode_server(decoded.value());
        INFO("re-encoded: " << again);
        const json reencoded = json::parse(again, nullptr, false);
        REQUIRE_FALSE(reencoded.is_discarded());
        CHECK(reencoded == original);
    }
    REQUIRE(examples.size() >= 30);
    CHECK(kinds.size() == std::variant_size_v<server_body>);
}

TEST_CASE("protocol doc: every rejected example is refused by the codec with BAD_REQUEST", "[protocol-doc]") {
    auto examples = examples_of("rejected");
    for (const auto& e : examples) {
        INFO("docs/protocol.md line " << e.line << ": " << e.text);
        auto decoded = decode_client(e.text);
        CHECK_FALSE(decoded.ok());
        if (!decoded) CHECK(decoded.error().error.code == error_code::bad_request);
    }
    REQUIRE(examples.size() >= 5);
}

TEST_CASE("protocol doc: the error-code table lists exactly the codec's error codes", "[protocol-doc]") {
    const auto rows = table_after(doc_lines(), "<!-- table: error-codes -->");
    std::set<std::string> documented;
    for (const auto& r : rows) {
        REQUIRE_FALSE(r.empty());
        const std::string code = unquote(r[0]);
        INFO("error-code table row: " << code);
        CHECK(documented.insert(code).second);  // listed once
        CHECK(error_code_from_wire(code).has_value());  // a code the codec knows
    }
    const auto codes = all_error_codes();
    REQUIRE(codes.size() >= 8);
    for (auto c : codes) {
        INFO("error code " << to_wire(c) << " is missing from the error-code table of docs/protocol.md");
        CHECK(documented.count(std::string(to_wire(c))) == 1);
    }
    CHECK(documented.size() == codes.size());
    // k_all_error_codes (the AsyncAPI document's enum) lists every code, in the enum's order.
    CHECK(std::vector<error_code>(std::begin(rt::proto::k_all_error_codes), std::end(rt::proto::k_all_error_codes)) == codes);
}

TEST_CASE("protocol doc: the close-code table lists exactly protocol/close_codes.hpp", "[protocol-doc]") {
    const auto rows = table_after(doc_lines(), "<!-- table: close-codes -->");
    std::map<int, std::string> documented;  // code → name
    for (const auto& r : rows) {
        REQUIRE(r.size() >= 2);
        INFO("close-code table row: " << r[0] << " | " << r[1]);
        int code = 0;
        try {
            code = std::stoi(unquote(r[0]));
        } catch (...) {
            FAIL("the first cell is not a close code number");
        }
        CHECK(documented.emplace(code, unquote(r[1])).second);  // listed once
        CHECK_FALSE(close_code_name(static_cast<std::uint16_t>(code)).empty());  // a code rt uses
    }
    REQUIRE(all_close_codes.size() >= 8);
    for (const auto& c : all_close_codes) {
        INFO("close code " << c.code << " (" << c.name << ")");
        auto it = documented.find(c.code);
        CHECK(it != documented.end());  // documented
        if (it != documented.end()) CHECK(it->second == std::string(c.name));  // under the same name
    }
    CHECK(documented.size() == all_close_codes.size());
}

TEST_CASE("close codes: the table is ascending, unique, and names match the constants", "[protocol-doc]") {
    for (std::size_t i = 1; i < all_close_codes.size(); ++i) CHECK(all_close_codes[i - 1].code < all_close_codes[i].code);
    CHECK(close_code_name(close_code::going_away) == "going_away");
    CHECK(close_code_name(close_code::auth_failed) == "auth_failed");
    CHECK(close_code_name(close_code::dropped_by_client) == "dropped_by_client");
    CHECK(close_code_name(close_code::policy_violation) == "policy_violation");
    CHECK(close_code_name(4999).empty());
    static_assert(close_code::going_away == 1001 && close_code::auth_failed == 4001, "wire values are fixed in v1");
}
