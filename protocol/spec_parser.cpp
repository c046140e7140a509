// Recursive descent parser for the spec language (docs/spec-language.md):
//
//   spec         := 'app' NAME '{' decl* '}'
//   decl         := entity | view | subscription
//   entity       := 'entity' NAME '{' ('attr' NAME ':' type)* '}'
//   type         := 'string' | 'int' | 'float' | 'bool' | 'ref' NAME | STRING ('|' STRING)*
//   view         := 'view' NAME ':' NAME ('where' or_expr)?
//   subscription := 'subscription' NAME ':' ('view' NAME | NAME 'by' 'id' | NAME) ('throttle' DURATION)?
//   DURATION     := NUMBER UNIT   (100ms, 1.5s: 10ms..60s)
//   or_expr      := and_expr ('or' and_expr)*
//   and_expr     := not_expr ('and' not_expr)*
//   not_expr     := 'not' not_expr | '(' or_expr ')' | NAME OP literal
//   literal      := STRING | NUMBER | 'true' | 'false' | 'null'
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "protocol/spec_json_text.hpp"
#include "protocol/spec_syntax.hpp"
#include "protocol/throttle_value.hpp"

namespace rt::spec {
namespace {

// Deeper `where` nesting is refused rather than risking the stack on hostile input.
constexpr int max_expr_depth = 64;

bool is_decl_keyword(const token& t) {
    return is_word(t, "entity") || is_word(t, "view") || is_word(t, "subscription");
}

class parser {
public:
    parser(const std::vector<token>& tokens, const std::string& file, std::vector<spec_error>& errors)
        : t_(tokens), file_(file), errors_(errors) {}

    parsed_spec run() {
        parse_app();
        return std::move(out_);
    }

private:
    const token& cur() const { return t_[i_]; }
    bool at_end() const { return cur().kind == token_kind::end; }
    const token& advance() {
        const token& t = t_[i_];
        if (!at_end()) ++i_;
        return t;
    }

    void error(source_pos pos, std::string message) {
        errors_.push_back(spec_error{file_, pos, std::move(message)});
    }
    // "expected X but found T" at T; silent when T is a lexical error (already reported).
    void expected(const std::string& what, const token& found) {
        if (found.kind == token_kind::error) return;
        error(found.pos, "expected " + what + " but found " + describe_token(found));
    }

    // Skips to something a declaration list can resume at: a declaration keyword, '}' or the end.
    void sync_decl() {
        while (!at_end() && !is_decl_keyword(cur()) && cur().kind != token_kind::rbrace) advance();
    }

    void parse_app() {
        if (!is_word(cur(), "app")) {
            expected("'app'", cur());
            return;  // nothing sensible to recover into
        }
        advance();
        if (cur().kind != token_kind::identifier) {
            expected("an app name after 'app'", cur());
            return;
        }
        out_.a.name = advance().text;
        source_pos open = cur().pos;
        if (cur().kind != token_kind::lbrace) {
            expected("'{' after app name '" + out_.a.name + "'", cur());
            if (!is_decl_keyword(cur())) return;
        } else {
            advance();
        }
        for (;;) {
            if (is_word(cur(), "entity")) {
                parse_entity();
            } else if (is_word(cur(), "view")) {
                parse_view();
            } else if (is_word(cur(), "subscription")) {
                parse_subscription();
            } else if (cur().kind == token_kind::rbrace) {
                advance();
                break;
            } else if (at_end()) {
                expected("'}' to close app '" + out_.a.name + "' (opened at " + pos_text(open) + ")",
                         cur());
                return;
            } else {
                expected("'entity', 'view', 'subscription' or '}'", cur());
                advance();
                sync_decl();
            }
        }
        if (!at_end()) expected("end of file after the app's closing '}'", cur());
    }

    void parse_entity() {
        advance();  // 'entity'
        if (cur().kind != token_kind::identifier || is_decl_keyword(cur())) {
            expected("an entity name after 'entity'", cur());
            sync_decl();
            return;
        }
        entity e;
        e.pos = cur().pos;
        e.name = advance().text;
        std::vector<source_pos> refs;
        bool body = true;
        if (cur().kind == token_kind::lbrace) {
            advance();
        } else {
            expected("'{' after entity name '" + e.name + "'", cur());
            body = is_word(cur(), "attr");  // `entity E attr ...`: read on as if '{' were there
            if (!body) sync_decl();
        }
        while (body) {
            if (is_word(cur(), "attr")) {
                if (!parse_attr(e, refs)) {
                    // Resume at the next attribute, the entity's '}' or the next declaration.
                    while (!at_end() && !is_word(cur(), "attr") && !is_decl_keyword(cur()) &&
                           cur().kind != token_kind::rbrace) {
                        advance();
                    }
                }
            } else if (cur().kind == token_kind::rbrace) {
                advance();
                break;
            } else if (is_decl_keyword(cur()) || at_end()) {
                expected("'}' to close entity '" + e.name + "'", cur());
                break;
            } else {
                expected("'attr' or '}' in entity '" + e.name + "'", cur());
                advance();
                while (!at_end() && !is_word(cur(), "attr") && !is_decl_keyword(cur()) &&
                       cur().kind != token_kind::rbrace) {
                    advance();
                }
            }
        }
        out_.a.entities.push_back(std::move(e));
        out_.pos.ref_target.push_back(std::move(refs));
    }

    // Parses `attr NAME ':' type` into `e`; false (after reporting) on a syntax error.
    bool parse_attr(entity& e, std::vector<source_pos>& refs) {
        advance();  // 'attr'
        if (cur().kind != token_kind::identifier) {
            expected("an attribute name after 'attr'", cur());
            return false;
        }
        attribute a;
        a.pos = cur().pos;
        a.name = advance().text;
        if (a.name == "id") {
            error(a.pos, "attribute name 'id' is reserved: every entity has an implicit string id");
        }
        if (cur().kind != token_kind::colon) {
            expected("':' after attribute name '" + a.name + "'", cur());
            return false;
        }
        advance();
        source_pos ref_pos;
        if (!parse_type(a.type, ref_pos)) return false;
        if (a.name == "id") return true;  // reported; keep it out of the IR
        e.attrs.push_back(std::move(a));
        refs.push_back(ref_pos);
        return true;
    }

    bool parse_type(attr_type& type, source_pos& ref_pos) {
        const token& t = cur();
        if (t.kind == token_kind::string) {
            type.kind = attr_kind::enumeration;
            for (;;) {
                const token& s = cur();
                if (s.kind != token_kind::string) {
                    expected("a string literal after '|'", s);
                    return false;
                }
                if (std::find(type.choices.begin(), type.choices.end(), s.text) != type.choices.end()) {
                    error(s.pos, "duplicate choice " + json_text(json(s.text)) + " in union");
                } else {
                    type.choices.push_back(s.text);
                }
                advance();
                if (cur().kind != token_kind::pipe) return true;
                advance();
            }
        }
        if (t.kind != token_kind::identifier) {
            expected("a type (string, int, float, bool, ref Entity or \"a\" | \"b\")", t);
            return false;
        }
        if (t.text == "string") type.kind = attr_kind::string;
        else if (t.text == "int") type.kind = attr_kind::integer;
        else if (t.text == "float") type.kind = attr_kind::floating;
        else if (t.text == "bool") type.kind = attr_kind::boolean;
        else if (t.text == "ref") {
            advance();
            if (cur().kind != token_kind::identifier) {
                expected("an entity name after 'ref'", cur());
                return false;
            }
            type.kind = attr_kind::ref;
            ref_pos = cur().pos;
            type.ref_entity = advance().text;
            return true;
        } else {
            error(t.pos, "unknown type '" + t.text +
                             "' (expected string, int, float, bool, ref Entity or \"a\" | \"b\")");
            return false;
        }
        advance();
        return true;
    }

    void parse_view() {
        advance();  // 'view'
        if (cur().kind != token_kind::identifier || is_decl_keyword(cur())) {
            expected("a view name after 'view'", cur());
            sync_decl();
            return;
        }
        view v;
        v.pos = cur().pos;
        v.name = advance().text;
        source_pos entity_pos;
        bool ok = true;
        if (cur().kind != token_kind::colon) {
            expected("':' after view name '" + v.name + "'", cur());
            ok = false;
        } else {
            advance();
            if (cur().kind != token_kind::identifier || is_decl_keyword(cur())) {
                expected("an entity name after 'view " + v.name + ":'", cur());
                ok = false;
            } else {
                entity_pos = cur().pos;
                v.entity = advance().text;
                if (is_word(cur(), "where")) {
                    advance();
                    v.where = parse_or(0);
                    ok = v.where != nullptr;
                }
            }
        }
        if (!ok) {
            v.where = nullptr;
            sync_decl();
        }
        out_.a.views.push_back(std::move(v));
        out_.pos.view_entity.push_back(entity_pos);
    }

    expr_ptr parse_or(int depth) {
        expr_ptr lhs = parse_and(depth);
        while (lhs && is_word(cur(), "or")) {
            advance();
            expr_ptr rhs = parse_and(depth);
            if (!rhs) return nullptr;
            lhs = binary(expr::kind::or_, lhs, rhs);
        }
        return lhs;
    }

    expr_ptr parse_and(int depth) {
        expr_ptr lhs = parse_not(depth);
        while (lhs && is_word(cur(), "and")) {
            advance();
            expr_ptr rhs = parse_not(depth);
            if (!rhs) return nullptr;
            lhs = binary(expr::kind::and_, lhs, rhs);
        }
        return lhs;
    }

    static expr_ptr binary(expr::kind k, expr_ptr lhs, expr_ptr rhs) {
        auto e = std::make_shared<expr>();
        e->k = k;
        e->pos = lhs->pos;
        e->lhs = std::move(lhs);
        e->rhs = std::move(rhs);
        return e;
    }

    expr_ptr parse_not(int depth) {
        if (depth >= max_expr_depth) {
            error(cur().pos, "expression nested too deeply (more than " +
                                 std::to_string(max_expr_depth) + " levels)");
            return nullptr;
        }
        if (is_word(cur(), "not")) {
            source_pos pos = advance().pos;
            expr_ptr inner = parse_not(depth + 1);
            if (!inner) return nullptr;
            auto e = std::make_shared<expr>();
            e->k = expr::kind::not_;
            e->pos = pos;
            e->lhs = std::move(inner);
            return e;
        }
        if (cur().kind == token_kind::lparen) {
            source_pos open = advance().pos;
            expr_ptr inner = parse_or(depth + 1);
            if (!inner) return nullptr;
            if (cur().kind != token_kind::rparen) {
                expected("')' to close '(' at " + pos_text(open), cur());
                return nullptr;
            }
            advance();
            return inner;
        }
        return parse_compare();
    }

    expr_ptr parse_compare() {
        if (cur().kind != token_kind::identifier || is_decl_keyword(cur())) {
            expected("an attribute name in 'where'", cur());
            return nullptr;
        }
        auto e = std::make_shared<expr>();
        e->k = expr::kind::compare;
        e->pos = cur().pos;
        e->attr = advance().text;
        if (cur().kind != token_kind::op) {
            expected("a comparison operator (==, !=, <, <=, >, >=) after '" + e->attr + "'", cur());
            return nullptr;
        }
        e->op = advance().op;
        const token& lit = cur();
        if (lit.kind == token_kind::string) e->value = lit.text;
        else if (lit.kind == token_kind::number) e->value = lit.number;
        else if (is_word(lit, "true")) e->value = true;
        else if (is_word(lit, "false")) e->value = false;
        else if (is_word(lit, "null")) e->value = nullptr;
        else {
            std::string hint = lit.kind == token_kind::identifier ? " (string literals need quotes)" : "";
            expected("a literal (string, number, true, false or null)", lit);
            if (!hint.empty() && lit.kind != token_kind::error) errors_.back().message += hint;
            return nullptr;
        }
        out_.pos.literal[e.get()] = lit.pos;
        advance();
        return e;
    }

    // 'throttle' NUMBER UNIT: the number and its unit are two tokens ("100" "ms"), written together.
    void parse_throttle_clause(subscription& s) {
        advance();  // 'throttle'
        if (cur().kind != token_kind::number) {
            expected("a duration after 'throttle' (like 100ms)", cur());
            sync_decl();
            return;
        }
        source_pos at = cur().pos;
        std::string text = advance().text;
        if (cur().kind == token_kind::identifier && !is_decl_keyword(cur())) text += advance().text;
        auto ms = proto::parse_throttle(text);
        if (!ms) {
            error(at, "subscription '" + s.name + "': " + ms.error());
            return;
        }
        s.throttle_ms = *ms;
    }

    void parse_subscription() {
        advance();  // 'subscription'
        if (cur().kind != token_kind::identifier || is_decl_keyword(cur())) {
            expected("a subscription name after 'subscription'", cur());
            sync_decl();
            return;
        }
        subscription s;
        s.pos = cur().pos;
        s.name = advance().text;
        source_pos target_pos;
        if (cur().kind != token_kind::colon) {
            expected("':' after subscription name '" + s.name + "'", cur());
            sync_decl();
        } else {
            advance();
            if (is_word(cur(), "view")) {
                advance();
                s.kind = subscription_kind::view;
                if (cur().kind == token_kind::identifier && !is_decl_keyword(cur())) {
                    target_pos = cur().pos;
                    s.view = advance().text;
                } else {
                    expected("a view name after 'view'", cur());
                    sync_decl();
                }
            } else if (cur().kind == token_kind::identifier && !is_decl_keyword(cur())) {
                target_pos = cur().pos;
                s.entity = advance().text;
                s.kind = subscription_kind::entity;
                if (is_word(cur(), "by")) {
                    advance();
                    if (is_word(cur(), "id")) {
                        advance();
                        s.kind = subscription_kind::by_id;
                    } else {
                        expected("'id' after 'by'", cur());
                        sync_decl();
                    }
                }
            } else {
                expected("'view NAME', 'Entity by id' or 'Entity' after 'subscription " + s.name + ":'",
                         cur());
                sync_decl();
            }
            if (is_word(cur(), "throttle")) parse_throttle_clause(s);
        }
        out_.a.subscriptions.push_back(std::move(s));
        out_.pos.subscription_target.push_back(target_pos);
    }

    const std::vector<token>& t_;
    const std::string& file_;
    std::vector<spec_error>& errors_;
    std::size_t i_ = 0;
    parsed_spec out_;
};

bool before(const spec_error& a, const spec_error& b) {
    if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
    return a.pos.col < b.pos.col;
}

// A hostile file must not yield megabytes of errors; like compilers, stop after this many.
constexpr std::size_t max_reported_errors = 100;

}  // namespace

std::string pos_text(source_pos p) {
    return std::to_string(p.line) + ":" + std::to_string(p.col);
}

parsed_spec parse_tokens(const std::vector<token>& tokens, const std::string& file,
                         std::vector<spec_error>& errors) {
    return parser(tokens, file, errors).run();
}

result<app, std::vector<spec_error>> parse_spec(std::string_view text, const std::string& file) {
    std::vector<spec_error> errors;
    std::vector<token> tokens = lex_spec(text, file, errors);
    parsed_spec parsed = parse_tokens(tokens, file, errors);
    check_spec(parsed, file, errors);
    if (!errors.empty()) {
        std::stable_sort(errors.begin(), errors.end(), before);
        errors.erase(std::unique(errors.begin(), errors.end(),
                                 [](const spec_error& a, const spec_error& b) {
                                     return a.pos.line == b.pos.line && a.pos.col == b.pos.col &&
                                            a.message == b.message;
                                 }),
                     errors.end());
        if (errors.size() > max_reported_errors) {
            source_pos at = errors[max_reported_errors].pos;
            errors.resize(max_reported_errors);
            errors.push_back(spec_error{file, at, "too many errors; stopping"});
        }
        return make_unexpected(std::move(errors));
    }
    // A view subscription carries its view's entity.
    for (subscription& s : parsed.a.subscriptions) {
        if (s.kind == subscription_kind::view) s.entity = parsed.a.find_view(s.view)->entity;
    }
    return std::move(parsed.a);
}

result<std::string, std::vector<spec_error>> read_spec_text(const std::string& path) {
    auto fail = [&](int err) {
        return make_unexpected(std::vector<spec_error>{spec_error{
            path, source_pos{0, 0}, std::string("cannot read spec file: ") + std::strerror(err)}});
    };
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return fail(errno);
    std::string text;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    int err = std::ferror(f) ? (errno != 0 ? errno : EIO) : 0;
    std::fclose(f);
    if (err != 0) return fail(err);
    return text;
}

result<app, std::vector<spec_error>> load_spec_file(const std::string& path) {
    auto text = read_spec_text(path);
    if (!text) return make_unexpected(std::move(text.error()));
    return parse_spec(*text, path);
}

}  // namespace rt::spec
