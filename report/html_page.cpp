#include "report/html_page.hpp"

#include <ctime>
#include <string_view>

namespace rt::report {

namespace {

// Colours and sizes for every element render_svg emits (its classes), and the page around them.
constexpr const char* k_style = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 940px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 6px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 600; }
.pass { background: #2e7d32; } .fail { background: #c62828; }
.meta { margin: 2px 0; color: #555; } .meta code { color: #222; word-break: break-all; }
table { border-collapse: collapse; } td { padding: 2px 14px 2px 0; vertical-align: top; }
td:first-child { color: #555; white-space: nowrap; }
svg.chart { width: 100%; height: auto; margin: 8px 0 16px; background: #fff; }
svg .chart-title { font-size: 14px; font-weight: 600; fill: #222; }
svg .tick, svg .legend, svg .span-label, svg .mark-label { font-size: 11px; fill: #555; }
svg .axis-label { font-size: 12px; fill: #333; }
svg .grid { stroke: #eee; } svg .axis { stroke: #888; }
svg .series { fill: none; stroke-width: 1.6; } svg .legend-key { stroke-width: 3; }
svg .threshold { stroke: #c62828; stroke-dasharray: 6 4; } svg .threshold-label { font-size: 11px; fill: #c62828; }
svg .span { fill: #fbe3c5; opacity: 0.6; } svg .mark { stroke: #7b1fa2; stroke-dasharray: 2 3; }
svg .empty { font-size: 13px; fill: #999; }
table.grid th { text-align: left; padding: 2px 14px 2px 0; border-bottom: 1px solid #ccc; }
table.grid tr.fail td { color: #c62828; } table.grid tr.skip td { color: #777; }
table.grid td.status { font-weight: 600; }
h3 { font-size: 14px; margin: 16px 0 4px; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
)";

}  // namespace

std::string format_utc(std::int64_t unix_s) {
    const auto t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string quote_command_line(int argc, const char* const* argv) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-_./:=,%@+") == std::string_view::npos;
        if (i > 0) out += ' ';
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char ch : a) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        out += '\'';
    }
    return out;
}

html_page::html_page(std::string title, bool pass, std::string verdict)
    : title_(std::move(title)), verdict_(std::move(verdict)), pass_(pass) {}

void html_page::add_line(const std::string& label, const std::string& text, bool code) {
    head_lines_ += "<p class=\"meta\">" + escape_xml(label) + ": " + (code ? "<code>" : "") + escape_xml(text) +
                   (code ? "</code>" : "") + "</p>\n";
}

void html_page::add_origin(const run_origin& origin) {
    add_line("command", origin.command_line, true);
    add_line("date", origin.date_utc);
}

void html_page::add_table(const std::string& heading, const std::vector<std::pair<std::string, std::string>>& rows) {
    body_ += "<h2>" + escape_xml(heading) + "</h2>\n<table>\n";
    for (const auto& [k, v] : rows) body_ += "<tr><td>" + escape_xml(k) + "</td><td>" + escape_xml(v) + "</td></tr>\n";
    body_ += "</table>\n";
}

void html_page::add_grid(const std::string& heading, const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& row_class) {
    body_ += "<h2>" + escape_xml(heading) + "</h2>\n<table class=\"grid\">\n<tr>";
    for (const auto& h : header) body_ += "<th>" + escape_xml(h) + "</th>";
    body_ += "</tr>\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string cls = i < row_class.size() ? row_class[i] : std::string();
        body_ += cls.empty() ? "<tr>" : "<tr class=\"" + escape_xml(cls) + "\">";
        for (std::size_t j = 0; j < rows[i].size(); ++j)
            body_ += std::string(j == 1 ? "<td class=\"status\">" : "<td>") + escape_xml(rows[i][j]) + "</td>";
        body_ += "</tr>\n";
    }
    body_ += "</table>\n";
}

void html_page::add_pre(const std::string& heading, const std::string& text) {
    body_ += "<h3>" + escape_xml(heading) + "</h3>\n<pre>" + escape_xml(text) + "</pre>\n";
}

void html_page::add_chart(const chart& c) { body_ += render_svg(c) + "\n"; }

std::string html_page::render() const {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           // Nothing may be fetched: the report is whole in itself.
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
           "<title>" + escape_xml(title_) + "</title>\n<style>" + k_style + "</style>\n</head>\n<body>\n<h1>" +
           escape_xml(title_) + " <span class=\"verdict " + (pass_ ? "pass" : "fail") + "\">" + escape_xml(verdict_) +
           "</span></h1>\n" + head_lines_ + body_ + "</body>\n</html>\n";
}

}  // namespace rt::report
