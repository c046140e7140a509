// docs/chaos-scenarios.md cannot fall behind the scenario parser: the table that follows the line
// "<!-- table: scenario-keys -->" has one scenario key per row, in backticks in the first cell
// (sub-table keys as `client.threads`), and must list exactly the keys chaos::scenario_keys() names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "chaos/scenario.hpp"

namespace {

const std::string keys_doc_path = std::string(RT_SOURCE_DIR) + "/docs/chaos-scenarios.md";

// The first cells of the rows of the table after the marker (header and separator skipped).
std::vector<std::string> keys_doc_table_keys() {
    std::ifstream in(keys_doc_path);
    INFO("reading " << keys_doc_path);
    REQUIRE(in.good());
    std::vector<std::string> keys;
    bool after_marker = false;
    int row = 0;
    for (std::string line; std::getline(in, line);) {
        if (line == "<!-- table: scenario-keys -->") {
            after_marker = true;
            continue;
        }
        if (!after_marker) continue;
        if (line.rfind("|", 0) != 0) {
            if (row > 0) break;  // the table ended
            continue;
        }
        if (++row <= 2) continue;  // header, separator
        const auto open = line.find('`');
        const auto close = open == std::string::npos ? open : line.find('`', open + 1);
        const auto cell_end = line.find('|', 1);
        if (open == std::string::npos || close == std::string::npos || close > cell_end) {
            keys.push_back("(row without a key in backticks: " + line + ")");
            continue;
        }
        keys.push_back(line.substr(open + 1, close - open - 1));
    }
    return keys;
}

}  // namespace

TEST_CASE("scenario docs: the key table lists exactly the parser's keys", "[chaos][scenario][docs]") {
    const std::vector<std::string> documented = keys_doc_table_keys();
    const std::vector<std::string> parsed = rt::chaos::scenario_keys();
    REQUIRE(parsed.size() > 20);  // the parser did name its keys, sub-tables included
    CHECK(std::find(parsed.begin(), parsed.end(), "client.threads") != parsed.end());
    CHECK(std::find(parsed.begin(), parsed.end(), "client") == parsed.end());

    const std::set<std::string> doc_set(documented.begin(), documented.end());
    const std::set<std::string> parser_set(parsed.begin(), parsed.end());
    CHECK(doc_set.size() == documented.size());  // no key documented twice
    for (const auto& k : parsed) {
        INFO("the parser reads `" << k << "`; add it to the table in docs/chaos-scenarios.md");
        CHECK(doc_set.count(k) == 1);
    }
    for (const auto& k : documented) {
        INFO("docs/chaos-scenarios.md documents `" << k << "`, which the parser does not read");
        CHECK(parser_set.count(k) == 1);
    }
}
