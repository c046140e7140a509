// html_page: one self-contained document (no script, nothing fetched), text escaped; the origin
// helpers its callers use (the UTC date, the command line quoted for a shell).
#include <catch2/catch.hpp>

#include <string>

#include "support/text_count.hpp"

#include "report/html_page.hpp"

using namespace rt::report;

namespace {

chart html_small_chart(const std::string& id) {
    chart c;
    c.id = id;
    c.title = "deliveries";
    c.series.push_back({"deliveries/s", "#2e7d32", {{0, 1}, {1, 3}}, false});
    return c;
}

}  // namespace

TEST_CASE("html page: self-contained, escaped, one svg per chart", "[report][html]") {
    html_page page("rt loadgen <run>", false, "FAIL: max-p99");
    page.add_line("command", "rt loadgen --conns 10 --report \"a.html\"", true);
    page.add_table("figures", {{"deliveries", "1000/1000"}});
    page.add_chart(html_small_chart("a"));
    page.add_chart(html_small_chart("b"));
    const std::string html = page.render();
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("default-src 'none'") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
    CHECK(html.find("<title>rt loadgen &lt;run&gt;</title>") != std::string::npos);
    CHECK(html.find("verdict fail") != std::string::npos);
    CHECK(html.find("--report &quot;a.html&quot;") != std::string::npos);
    CHECK(rt::test::count_occurrences(html, "<svg ") == 2);
}

TEST_CASE("html page: the date in UTC and the command line quoted for a shell", "[report][html]") {
    CHECK(format_utc(0) == "1970-01-01 00:00:00 UTC");
    CHECK(format_utc(1'796'000'000) == "2026-11-30 00:53:20 UTC");
    const char* argv[] = {"rt", "loadgen", "--max-p99", "100ms", "--report", "my run.html", "", "it's"};
    CHECK(quote_command_line(8, argv) == "rt loadgen --max-p99 100ms --report 'my run.html' '' 'it'\\''s'");
    CHECK(quote_command_line(0, argv).empty());
}
