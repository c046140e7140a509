#pragma once
// One self-contained HTML page for a run's report: inline CSS and inline SVG charts, no script
// and a Content-Security-Policy that forbids every fetch, so the file opens offline and shows the
// same thing anywhere. Pure: built in memory, written by the caller.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "report/svg_chart.hpp"

namespace rt::report {

// Where a report came from, for its title block.
struct run_origin {
    std::string command_line;  // as typed (quote_command_line)
    std::string date_utc;      // format_utc: "2026-12-01 02:30:00 UTC"
};

// `unix_s` as "2026-12-01 02:30:00 UTC".
std::string format_utc(std::int64_t unix_s);
// argv joined with spaces, each argument that is empty or holds anything but letters, digits and
// -_./:=,%@+ put in single quotes (a ' inside as '\''), so it can be pasted back into a shell.
std::string quote_command_line(int argc, const char* const* argv);

class html_page {
public:
    // `title` heads the page and names the browser tab; `pass` colours the verdict.
    html_page(std::string title, bool pass, std::string verdict);

    // A line under the title, e.g. the command line (shown as code) or the date.
    void add_line(const std::string& label, const std::string& text, bool code = false);
    // The command line (as code) and the date.
    void add_origin(const run_origin& origin);
    // A two-column table of figures.
    void add_table(const std::string& heading, const std::vector<std::pair<std::string, std::string>>& rows);
    void add_chart(const chart& c);
    // A table with a header row; `row_class` (same length as `rows`, or empty) colours each row:
    // "pass", "fail", "skip" or "".
    void add_grid(const std::string& heading, const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& row_class = {});
    // Preformatted text (a transcript) under a small heading.
    void add_pre(const std::string& heading, const std::string& text);

    // The whole document, starting with <!DOCTYPE html>.
    std::string render() const;

private:
    std::string title_, verdict_;
    bool pass_;
    std::string head_lines_, body_;
};

}  // namespace rt::report
