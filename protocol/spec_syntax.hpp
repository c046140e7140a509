#pragma once
// What the parser hands to the checker: the IR plus the source positions that the IR itself
// does not keep (where a `ref` target, a view's entity or a literal was written).
#include <map>
#include <string>
#include <vector>

#include "protocol/spec.hpp"
#include "protocol/spec_lexer.hpp"

namespace rt::spec {

struct spec_positions {
    std::vector<std::vector<source_pos>> ref_target;  // [entity][attr]: the entity after `ref`
    std::vector<source_pos> view_entity;              // [view]: the entity after ':'
    std::vector<source_pos> subscription_target;      // [subscription]: its view or entity name
    std::map<const expr*, source_pos> literal;        // compare node -> its literal
};

struct parsed_spec {
    app a;
    spec_positions pos;
};

// "line:col", as error messages cite an earlier position ("opened at 3:7").
std::string pos_text(source_pos p);

// Recursive descent over `tokens` (from lex_spec). Syntax errors, a reserved or duplicate union
// choice are appended to `errors`; parsing recovers at the next declaration and returns
// whatever it could build (declarations without a name are dropped).
parsed_spec parse_tokens(const std::vector<token>& tokens, const std::string& file,
                         std::vector<spec_error>& errors);

// Name resolution and type checks on a parsed spec: unknown entity/view/attribute, duplicate
// names, literal types in `where`. Appends to `errors` (in no particular order).
void check_spec(const parsed_spec& p, const std::string& file, std::vector<spec_error>& errors);

}  // namespace rt::spec
