#pragma once
// Tokens of the spec language (docs/spec-language.md), each with its line:col.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/spec.hpp"

namespace rt::spec {

enum class token_kind {
    identifier,  // also keywords: app, entity, attr, view, where, ... are matched by text
    string,      // text holds the decoded value (valid UTF-8)
    number,      // number holds the value (integer when written without '.'/exponent)
    lbrace,
    rbrace,
    colon,
    pipe,
    lparen,
    rparen,
    op,     // a comparison operator; op holds which
    end,    // end of input; always the last token
    error,  // a lexical error, already reported; the parser only recovers from it
};

struct token {
    token_kind kind = token_kind::end;
    std::string text;  // identifier name, decoded string, number/operator spelling
    json number;
    cmp_op op = cmp_op::eq;
    source_pos pos;
};

// Splits `text` into tokens, ending with exactly one `end` token. Lexical errors (unterminated
// string, bad escape, stray character) are appended to `errors` and leave an `error` token in
// the stream so the parser can recover at the same place without reporting it twice.
std::vector<token> lex_spec(std::string_view text, const std::string& file,
                            std::vector<spec_error>& errors);

// How a token reads in "expected X but found <token>": 'view', '}', string "a", end of file.
std::string describe_token(const token& t);

// True when `t` is the identifier `word` (keywords are identifiers matched by text).
inline bool is_word(const token& t, std::string_view word) {
    return t.kind == token_kind::identifier && t.text == word;
}

}  // namespace rt::spec
