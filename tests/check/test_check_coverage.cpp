// Every rt check case is shown to fail against a peer breaking its rule: a test named
// "<id> fails when ..." exists in tests/check/ for each case id (issue 15's "Done when").
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "check/case_list.hpp"

TEST_CASE("every case has a broken-peer test named after it") {
    std::set<std::string> tested;
    const std::regex name(R"re(TEST_CASE\(\s*"([0-9]+\.[0-9]+) fails when )re");
    for (const auto& entry : std::filesystem::directory_iterator(std::string(RT_SOURCE_DIR) + "/tests/check")) {
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it)
            tested.insert((*it)[1]);
    }
    for (const auto& g : rt::check::case_groups())
        for (const auto& c : g.cases) {
            INFO("case " << c.id << " (" << c.title << ") has no test \"" << c.id << " fails when ...\"");
            CHECK(tested.count(c.id) == 1);
        }
}
