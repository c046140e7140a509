// docs/check.md lists the cases exactly as `rt check --list` prints them.
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "check/check_report.hpp"

TEST_CASE("docs/check.md lists every case as rt check --list prints it") {
    std::ifstream in(std::string(RT_SOURCE_DIR) + "/docs/check.md");
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string begin = "<!-- cases: generated from rt check --list -->\n```text\n";
    const std::string end = "```\n<!-- end of cases -->";
    const auto b = doc.find(begin);
    const auto e = doc.find(end);
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const std::string listed = doc.substr(b + begin.size(), e - b - begin.size());
    INFO("regenerate with: ./build/rt check --list, between the markers of docs/check.md");
    REQUIRE(listed == rt::check::render_list());
}
