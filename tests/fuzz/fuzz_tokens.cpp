// Fuzz target: the tokens file parser (server/tokens.cpp parse_tokens) against scenarios/kanban.spec.
// Input: a tokens file's TOML text.
// Properties:
//   No exception escapes (toml++ throws; parse_tokens must turn every failure into an error).
//   A failure is one or more lines, each starting with the file name (toml++'s syntax errors and
//   text quoted from the file, such as a user name, included).
//   Errors never show a token: each token key (as toml++ reads it; when the TOML does not parse,
//   as written after a leading `tokens.`) of at least 6 characters and written only as
//   `tokens.KEY` at the start of a key path is renamed to a stand-in ("QzQz..."); parsing again
//   still fails and the stand-in is absent from the errors (a taint check: a key that happens to
//   be a word of a message is no false alarm).
//   An accepted file yields exactly the keys toml++ sees under [tokens], each with a user (one
//   without control characters).
#include <cctype>
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

constexpr std::size_t secret_key_chars = 6;     // a shorter stand-in could occur in a message by chance
constexpr std::size_t max_secrets_checked = 4;  // each costs one more parse

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

// Whether "tokens." at `at` starts a key path: the first thing on its line or in a [table] header
// (not a later segment such as [tokens.x.tokens.y], whose "y" is not a token).
bool starts_key_path(std::string_view text, std::size_t at) {
    while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\t')) --at;
    return at == 0 || text[at - 1] == '\n' || text[at - 1] == '[';
}

// The token keys (as toml++ reads them) that are long and written only as `tokens.KEY` at the start
// of a key path: the secrets. A key also written elsewhere (a user name, a value, a later path
// segment) may legitimately appear in a message quoting that other place.
std::set<std::string> secrets(std::string_view text, const std::set<std::string>& keys) {
    std::set<std::string> out;
    constexpr std::string_view prefix = "tokens.";
    for (const std::string& key : keys) {
        if (key.size() < secret_key_chars) continue;
        bool only_as_token = true;
        for (auto at = text.find(key); at != std::string_view::npos && only_as_token; at = text.find(key, at + 1)) {
            only_as_token = at >= prefix.size() && text.substr(at - prefix.size(), prefix.size()) == prefix &&
                            starts_key_path(text, at - prefix.size());
        }
        if (only_as_token) out.insert(key);
    }
    return out;
}

// "QzQzQz...": what a secret of n characters is renamed to for the taint check.
std::string stand_in(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(i % 2 ? 'z' : 'Q');
    return out;
}

// Without a TOML parse: the bare keys written after a leading "tokens." (the candidates).
std::set<std::string> written_token_keys(std::string_view text) {
    std::set<std::string> out;
    constexpr std::string_view prefix = "tokens.";
    for (auto at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
        if (!starts_key_path(text, at)) continue;
        std::size_t b = at + prefix.size(), e = b;
        while (e < text.size() && (std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '-' || text[e] == '_')) ++e;
        out.emplace(text.substr(b, e - b));
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
        if (const toml::table* t = root["tokens"].as_table()) {
            for (const auto& kv : *t) keys->insert(std::string(kv.first.str()));
        }
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
        // Taint check: write each secret as a stand-in that occurs nowhere else, parse again, and
        // look for the stand-in in the errors (a key that is also a word of a message, such as a
        // token named "publish_filters", is then no false alarm).
        std::size_t checked = 0;
        for (const std::string& k : secrets(text, keys ? *keys : written_token_keys(text))) {
            if (checked++ == max_secrets_checked) break;
            std::string marked(text);
            const std::string mark = stand_in(k.size());
            if (marked.find(mark) != std::string::npos) continue;
            for (auto at = marked.find(k); at != std::string::npos; at = marked.find(k, at + mark.size()))
                marked.replace(at, k.size(), mark);
            auto again = server::parse_tokens(marked, "fuzz.toml", kanban());
            FUZZ_CHECK(!again, "renaming a token does not make a refused file valid");
            if (again.error().find(mark) != std::string::npos)
                std::fprintf(stderr, "token %s (written as %s) appears in:\n%s\n", k.c_str(), mark.c_str(),
                             again.error().c_str());
            FUZZ_CHECK(again.error().find(mark) == std::string::npos, "errors never show a token");
        }
        return 0;
    }
    FUZZ_CHECK(keys.has_value(), "an accepted file is TOML");
    std::set<std::string> got;
    for (const auto& [k, who] : r.value()) {
        got.insert(k);
        FUZZ_CHECK(!who.user.empty(), "every accepted token has a user");
        for (unsigned char c : who.user) FUZZ_CHECK(c >= 0x20 && c != 0x7f, "an accepted user name has no control character");
    }
    FUZZ_CHECK(got == *keys, "the accepted tokens are the file's [tokens] keys");
    return 0;
}
