#include "server/tokens.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "server/log.hpp"
#include "server/token_checker.hpp"
#include "server/tokens_text.hpp"

namespace rt::server {

result<token_table, std::string> parse_tokens(std::string_view text, const std::string& source, const spec::app& app) {
    toml::table root;
    try {  // toml++ is built with exceptions here; start-up and reload only
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << source << ":" << e.source().begin.line << ":" << e.source().begin.column
           << ": error: " << log_text(hide_key_path(std::string(e.description()), e.source().begin.line), k_text_uncut, text_escape::controls_only);
        return make_unexpected(os.str());
    }
    token_checker check(app, source);
    for (const auto& [k, v] : root)
        if (k.str() != "tokens") check.error(k.source(), "unknown table '" + std::string(k.str()) + "' (expected [tokens.<TOKEN>])");
    const toml::table* tokens = root["tokens"].as_table();
    if (!tokens) return make_unexpected(source + ":1:1: error: expected a [tokens.<TOKEN>] table");
    token_table out;
    for (const auto& [key, node] : *tokens) {
        // Named by where it is (the token itself never appears in a message).
        std::string key_text = "at line " + std::to_string(key.source().begin.line);
        const toml::table* t = node.as_table();
        if (key.str().empty()) {
            check.error(key.source(), "token " + key_text + ": a token must not be empty");
            continue;
        }
        if (!t) {
            check.error(node.source(), "token " + key_text + ": must be a table [tokens.<TOKEN>] with user = \"...\"");
            continue;
        }
        out.emplace(std::string(key.str()), check.token(*t, key_text));
    }
    if (check.failed()) return make_unexpected(check.report());
    if (out.empty()) return make_unexpected(source + ":1:1: error: no tokens defined");
    return out;
}

result<token_table, std::string> load_tokens_file(const std::string& path, const spec::app& app) {
    std::ifstream in(path);
    if (!in) return make_unexpected(path + ": error: cannot open tokens file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_tokens(ss.str(), path, app);
}

}  // namespace rt::server
