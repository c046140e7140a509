// The settings table of `rt serve` (server/server_settings.*) drives flags, TOML keys, --help and
// the unknown-key error; docs/operations.md's settings table must list exactly its rows, with the
// same TOML keys and defaults.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "server/server_settings.hpp"
#include "support/rt_process.hpp"

using namespace rt::server;
using rt::test::temp_path;

namespace {

struct settings_doc_row {
    std::string toml_cell, default_cell;
    int line = 0;
};

// The rows of the settings table in docs/operations.md ("| `--spec FILE` | ..." up to the first
// line that is not a table row), by flag name.
std::map<std::string, settings_doc_row> settings_doc_rows() {
    std::ifstream in(std::string(RT_SOURCE_DIR) + "/docs/operations.md");
    std::map<std::string, settings_doc_row> rows;
    std::string line;
    bool inside = false;
    for (int n = 1; std::getline(in, line); ++n) {
        if (!inside && line.rfind("| `--spec ", 0) != 0) continue;
        if (line.rfind("| ", 0) != 0) break;
        inside = true;
        std::vector<std::string> cells;
        std::stringstream ss(line.substr(1));
        for (std::string cell; std::getline(ss, cell, '|');) {
            auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
            cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        }
        REQUIRE(cells.size() >= 3);
        std::string flag = cells[0].substr(3);  // after "`--"
        flag = flag.substr(0, flag.find_first_of(" `"));
        rows[flag] = settings_doc_row{cells[1], cells[2], n};
    }
    return rows;
}

// "... [64KiB]" → "64KiB"; "" when the help line shows no default.
std::string shown_default(const server_setting& s) {
    if (s.help.empty() || s.help.back() != ']') return "";
    return s.help.substr(s.help.rfind(" [") + 2, s.help.size() - s.help.rfind(" [") - 3);
}

}  // namespace

TEST_CASE("settings: docs/operations.md lists every setting of the table, and nothing else", "[settings][docs]") {
    const auto doc = settings_doc_rows();
    REQUIRE(doc.size() > 10);
    for (const auto& s : server_settings()) {
        INFO("--" << s.name << " is missing from the settings table of docs/operations.md");
        REQUIRE(doc.count(s.name) == 1);
        const auto& row = doc.at(s.name);
        INFO("docs/operations.md line " << row.line);
        if (s.command_only) CHECK(row.toml_cell == "—");
        else CHECK(row.toml_cell.rfind("`" + s.toml_key() + "`", 0) == 0);
        const std::string d = shown_default(s);
        if (!d.empty() && d.find(',') == std::string::npos) CHECK(row.default_cell == "`" + d + "`");
    }
    for (const auto& [flag, row] : doc) {
        INFO("docs/operations.md line " << row.line << ": --" << flag << " is not a setting of rt serve");
        CHECK(find_setting(flag) != nullptr);
    }
}

TEST_CASE("settings: an unknown TOML key is refused, naming every key of the table", "[settings]") {
    const std::string path = temp_path("settings-unknown.toml");
    std::ofstream(path) << "colour = \"blue\"\n";
    server_config cfg;
    auto r = apply_config_file(cfg, path);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error(), Catch::Contains("'colour' is not a setting"));
    for (const auto& s : server_settings()) {
        if (s.command_only) CHECK_THAT(r.error(), !Catch::Contains(" " + s.toml_key() + ","));
        else CHECK_THAT(r.error(), Catch::Contains(s.toml_key()));
    }
}

TEST_CASE("settings: a flag and its TOML key write the same member", "[settings]") {
    struct example { const char* name; const char* flag_text; const char* toml_text; };
    const std::string path = temp_path("settings-same.toml");
    for (const auto& e : std::vector<example>{
             {"max-frame", "128KiB", "131072"}, {"slow-grace", "7s", "7000"}, {"replay-age", "2m", "\"120s\""},
             {"max-subscriptions", "7", "7"}, {"rate-limit", "12.5", "12.5"}, {"max-presence-meta", "2KiB", "\"2KiB\""},
             {"allowed-origins", "http://a.example, http://b.example", "[\"http://a.example\", \"http://b.example\"]"},
         }) {
        INFO(e.name);
        const server_setting* s = find_setting(e.name);
        REQUIRE(s);
        server_config by_flag;
        setting_input in;
        in.from_flag = true;
        in.value = std::string(e.flag_text);
        REQUIRE(s->apply(by_flag, "--" + s->name, in));
        std::ofstream(path) << s->toml_key() << " = " << e.toml_text << "\n";
        server_config by_file;
        REQUIRE(apply_config_file(by_file, path));
        CHECK(by_flag.decode.max_message_bytes == by_file.decode.max_message_bytes);
        CHECK(by_flag.output.soft_grace == by_file.output.soft_grace);
        CHECK(by_flag.hub.replay.max_age_ms == by_file.hub.replay.max_age_ms);
        CHECK(by_flag.hub.max_subscriptions == by_file.hub.max_subscriptions);
        CHECK(by_flag.rate_per_s == by_file.rate_per_s);
        CHECK(by_flag.hub.max_presence_meta_bytes == by_file.hub.max_presence_meta_bytes);
        CHECK(by_flag.allowed_origins == by_file.allowed_origins);
        // ...and not the default any more: the example changes the setting.
        server_config untouched;
        CHECK((by_flag.decode.max_message_bytes != untouched.decode.max_message_bytes ||
               by_flag.output.soft_grace != untouched.output.soft_grace ||
               by_flag.hub.replay.max_age_ms != untouched.hub.replay.max_age_ms ||
               by_flag.hub.max_subscriptions != untouched.hub.max_subscriptions ||
               by_flag.rate_per_s != untouched.rate_per_s ||
               by_flag.hub.max_presence_meta_bytes != untouched.hub.max_presence_meta_bytes ||
               by_flag.allowed_origins != untouched.allowed_origins));
    }
}

TEST_CASE("settings: out-of-range and mistyped values name the setting", "[settings]") {
    struct bad { const char* name; const char* text; const char* says; };
    for (const auto& b : std::vector<bad>{
             {"threads", "0", "--threads must be an integer 1-64"},
             {"threads", "two", "--threads must be an integer 1-64"},
             {"rate-burst", "lots", "--rate-burst must be a number"},
             {"max-filter", "big", "--max-filter: "},
             {"listen", "nowhere", "expected HOST:PORT"},
         }) {
        INFO(b.name << " " << b.text);
        server_config cfg;
        setting_input in;
        in.from_flag = true;
        in.value = std::string(b.text);
        auto r = find_setting(b.name)->apply(cfg, std::string("--") + b.name, in);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains(b.says));
    }
}
