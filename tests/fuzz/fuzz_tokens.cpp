// Fuzz target: the tokens file parser (server/tokens.cpp parse_tokens) against scenarios/kanban.spec.
// Input: a tokens file's TOML text.
// Properties:
//   No exception escapes (toml++ throws; parse_tokens must turn every failure into an error).
//   A failure is one or more lines, each starting with the file name.
//   Errors never show a token: every KEY written as `tokens.KEY` (a bare key of at least 12
//   characters that appears nowhere else in the file: a shorter or reused one may legitimately be
//   a name in a message) is absent from the error text. Except, for now, toml++'s own syntax
//   errors: known finding, tests/fuzz/findings/README.md "tokens-duplicate-table".
//   An accepted file yields exactly the keys toml++ sees under [tokens], each with a user.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "protocol/spec.hpp"
#include "server/tokens.hpp"
#include "fuzz_check.hpp"

using namespace rt;

namespace {

constexpr std::size_t secret_key_chars = 12;  // long enough not to be a word of a message by chance

const spec::app& kanban() {
    static const spec::app a = [] {
        auto r = spec::load_spec_file(std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec");
        if (!r) {
            std::fprintf(stderr, "fuzz_tokens: %s\n", r.error().front().to_string().c_str());
            std::abort();
        }
        return std::move(r.value());
    }();
    return a;
}

std::size_t count(std::string_view text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

bool bare_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// The bare keys written right after "tokens." that are long and used nowhere else: the secrets.
std::set<std::string> secrets(std::string_view text) {
    std::set<std::string> out;
    constexpr std::string_view prefix = "tokens.";
    for (auto at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
        std::size_t b = at + prefix.size(), e = b;
        while (e < text.size() && bare_key_char(text[e])) ++e;
        std::string key(text.substr(b, e - b));
        if (key.size() >= secret_key_chars && count(text, key) == count(text, std::string(prefix) + key))
            out.insert(key);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = server::parse_tokens(text, "fuzz.toml", kanban());

    // What toml++ itself sees under [tokens] (nullopt when the TOML does not parse).
    std::optional<std::set<std::string>> keys;
    try {
        toml::table root = toml::parse(text, std::string("fuzz.toml"));
        keys.emplace();
        if (const toml::table* t = root["tokens"].as_table())
            for (const auto& [k, v] : *t) keys->insert(std::string(k.str()));
    } catch (const toml::parse_error&) {
    }

    if (!r) {
        const std::string& e = r.error();
        FUZZ_CHECK(!e.empty(), "a refused tokens file says why");
        for (std::size_t at = 0; at < e.size();) {
            auto nl = e.find('\n', at);
            std::string_view line(e.data() + at, (nl == std::string::npos ? e.size() : nl) - at);
            if (!line.empty()) FUZZ_CHECK(line.substr(0, 9) == "fuzz.toml", "each error line names the file");
            at = nl == std::string::npos ? e.size() : nl + 1;
        }
        // Known finding (see the header): toml++'s syntax errors quote table paths.
        if (!keys && e.find(": error: Error while parsing") != std::string::npos) return 0;
        for (const std::string& k : secrets(text)) {
            if (e.find(k) != std::string::npos) std::fprintf(stderr, "token %s appears in:\n%s\n", k.c_str(), e.c_str());
            FUZZ_CHECK(e.find(k) == std::string::npos, "errors never show a token");
        }
        return 0;
    }
    FUZZ_CHECK(keys.has_value(), "an accepted file is TOML");
    std::set<std::string> got;
    for (const auto& [k, who] : r.value()) {
        got.insert(k);
        FUZZ_CHECK(!who.user.empty(), "every accepted token has a user");
    }
    FUZZ_CHECK(got == *keys, "the accepted tokens are the file's [tokens] keys");
    return 0;
}
