#pragma once
// The one table of `rt serve`'s options. Each row names a setting once — flag, TOML key, what it
// writes in server_config, how its text is read, its --help line — and its default is read from
// server_config{} (written there once), so the flags, the config file, the "not a setting" error
// and `rt serve --help` cannot disagree. cli/serve.cpp registers the flags from it;
// apply_config_file (server_config_file.cpp) reads TOML through it; tests/server check
// docs/operations.md against it.
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/result.hpp"
#include "server/server_config.hpp"

namespace rt::server {

// A value as given: a flag's text, or a TOML value (string, integer, float, boolean, a list of
// strings; std::monostate for anything else, which every setting refuses).
struct setting_input {
    bool from_flag = false;
    std::variant<std::monostate, std::string, std::int64_t, double, bool, std::vector<std::string>> value;
};

struct server_setting {
    std::string name;       // the flag is --name; the TOML key is name with '_' for '-'
    std::string arg;        // what --help shows after the flag: TEXT, INT, UINT, FLOAT; "" for an on/off flag
    std::string help;       // the --help line, its default in brackets appended from server_config{}
    bool command_only = false;  // an option of the command (--check, --config), not a setting: no TOML key
    // Writes the value into the config; the error starts with `where` ("--name", or "FILE:L:C: 'key'").
    std::function<result<void, std::string>(server_config&, const std::string& where, const setting_input&)> apply;

    std::string toml_key() const;
    bool on_off() const { return arg.empty(); }
};

// Every option of `rt serve`, in --help order.
const std::vector<server_setting>& server_settings();

// The row named `name` (flag spelling, "max-frame"), or nullptr.
const server_setting* find_setting(std::string_view name);

// Applies a TOML config file onto `cfg`, every key through its row. Unknown keys and wrong types
// are errors naming the key and file:line:col; an unknown key's error lists the known ones.
result<void, std::string> apply_config_file(server_config& cfg, const std::string& path);

}  // namespace rt::server
