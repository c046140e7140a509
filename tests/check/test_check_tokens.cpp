// rt check against rt serve with a tokens file: the token cases run (and pass) instead of being skipped.
#include <fstream>

#include <catch2/catch.hpp>

#include "check/check_fixture.hpp"

namespace {

std::string check_tokens_file() {
    const std::string path = rt::test::temp_path("check-tokens.toml");
    std::ofstream out(path);
    out << R"([tokens.tok-check]
user = "checker"
subscribe = ["*"]
publish = ["*"]
presence = ["*"]
)";
    return path;
}

}  // namespace

TEST_CASE("every case passes against rt serve with a tokens file (helpdesk.spec)") {
    rt::test::check_fixture fx("helpdesk.spec", rt::test::quick_heartbeat({"--tokens", check_tokens_file()}), "tok-check");
    auto run = fx.run("*");
    for (const auto& r : run.results) {
        INFO(r.id << " " << r.title << ": " << r.reason << "\n" << r.transcript_text);
        CHECK(r.status != rt::check::case_status::fail);
    }
    // The handshake group's token cases ran rather than being skipped.
    for (const char* id : {"1.4", "1.5", "1.6"}) {
        INFO(id);
        bool ran = false;
        for (const auto& r : run.results)
            if (r.id == id) ran = r.status == rt::check::case_status::pass;
        CHECK(ran);
    }
}
