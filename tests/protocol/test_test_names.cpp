// CTest runs each Catch2 test case by name (catch_discover_tests): a name holding ';' is split into
// a CMake list and runs nothing ("No test cases matched"), one starting with "--" is read as a flag.
// Such a test passes without testing anything; this scan keeps them out.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include <catch2/catch.hpp>

TEST_CASE("no test case name holds a semicolon or starts with two dashes (CTest would run nothing)") {
    const std::regex test_case(R"re(TEST_CASE\(\s*"((?:[^"\\]|\\.)*)")re");
    std::size_t seen = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(RT_SOURCE_DIR) + "/tests")) {
        if (entry.path().extension() != ".cpp" || entry.path().string().find("node_modules") != std::string::npos) continue;
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case); it != std::sregex_iterator(); ++it) {
            const std::string name = (*it)[1];
            ++seen;
            INFO(entry.path().filename().string() << ": \"" << name << "\"");
            CHECK(name.find(';') == std::string::npos);
            CHECK(name.rfind("--", 0) != 0);
        }
    }
    REQUIRE(seen > 300);
}
