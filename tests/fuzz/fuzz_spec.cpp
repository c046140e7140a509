// Fuzz target: the spec language front end (protocol/spec_lexer, spec_parser, spec_check via
// parse_spec) and what runs on its result (describe, to_string, eval_where, the AsyncAPI document
// and its YAML).
// Input: a spec file's text.
// Properties:
//   parse_spec never crashes; a failure carries 1..101 errors in source order, each inside the
//   text (line 1..lines, column 1..line length + 1) with a message.
//   An accepted spec, written back with the IR's own text forms (to_string of types and `where`
//   expressions), parses again to the same IR: to_string(expr) is "the expression as it could be
//   written back" (spec_expr_text.hpp). Skipped when a literal is longer than those forms print
//   (they cut at 200 characters).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/asyncapi.hpp"
#include "protocol/spec.hpp"
#include "protocol/yaml_text.hpp"
#include "protocol/spec_expr_text.hpp"
#include "fuzz_check.hpp"

using namespace rt::spec;

namespace {

// The text forms cut literals longer than this (json_text(v, 200) in spec_describe.cpp).
constexpr std::size_t printed_literal_chars = 200;

bool literal_fits(const json& v) {
    return v.dump(-1, ' ', false, json::error_handler_t::replace).size() <= printed_literal_chars;
}

bool literals_fit(const expr& e) {
    switch (e.k) {
    case expr::kind::compare: return literal_fits(e.value);
    case expr::kind::not_: return e.lhs && literals_fit(*e.lhs);
    default: return e.lhs && e.rhs && literals_fit(*e.lhs) && literals_fit(*e.rhs);
    }
}

bool printable(const app& a) {
    for (const entity& e : a.entities)
        for (const attribute& at : e.attrs)
            for (const std::string& c : at.type.choices)
                if (!literal_fits(json(c))) return false;
    for (const view& v : a.views)
        if (v.where && !literals_fit(*v.where)) return false;
    return true;
}

// The app as spec text, built from the IR's text forms. Declarations keep their order.
std::string write_back(const app& a) {
    std::string out = "app " + a.name + " {\n";
    for (const entity& e : a.entities) {
        out += "  entity " + e.name + " {";
        for (const attribute& at : e.attrs) out += " attr " + at.name + ": " + to_string(at.type);
        out += " }\n";
    }
    for (const view& v : a.views) {
        out += "  view " + v.name + ": " + v.entity;
        if (v.where) out += " where " + to_string(*v.where);
        out += "\n";
    }
    for (const subscription& s : a.subscriptions) {
        out += "  subscription " + s.name + ": ";
        switch (s.kind) {
        case subscription_kind::view: out += "view " + s.view; break;
        case subscription_kind::by_id: out += s.entity + " by id"; break;
        case subscription_kind::entity: out += s.entity; break;
        }
        out += "\n";
    }
    return out + "}\n";
}

// Structural equality of two `where` trees, literals compared exactly (type and value).
bool same_expr(const expr* x, const expr* y) {
    if (!x || !y) return x == y;
    if (x->k != y->k) return false;
    if (x->k == expr::kind::compare)
        return x->op == y->op && x->attr == y->attr && x->value.type() == y->value.type() && x->value == y->value;
    return same_expr(x->lhs.get(), y->lhs.get()) && same_expr(x->rhs.get(), y->rhs.get());
}

bool same_app(const app& a, const app& b) {
    if (a.name != b.name || a.entities.size() != b.entities.size() || a.views.size() != b.views.size() ||
        a.subscriptions.size() != b.subscriptions.size())
        return false;
    for (std::size_t i = 0; i < a.entities.size(); ++i) {
        const entity &x = a.entities[i], &y = b.entities[i];
        if (x.name != y.name || x.attrs.size() != y.attrs.size()) return false;
        for (std::size_t k = 0; k < x.attrs.size(); ++k) {
            const attribute &p = x.attrs[k], &q = y.attrs[k];
            if (p.name != q.name || p.type.kind != q.type.kind || p.type.choices != q.type.choices ||
                p.type.ref_entity != q.type.ref_entity)
                return false;
        }
    }
    for (std::size_t i = 0; i < a.views.size(); ++i) {
        const view &x = a.views[i], &y = b.views[i];
        if (x.name != y.name || x.entity != y.entity || !same_expr(x.where.get(), y.where.get())) return false;
    }
    for (std::size_t i = 0; i < a.subscriptions.size(); ++i) {
        const subscription &x = a.subscriptions[i], &y = b.subscriptions[i];
        if (x.name != y.name || x.kind != y.kind || x.entity != y.entity || x.view != y.view) return false;
    }
    return true;
}

void check_errors(std::string_view text, const std::vector<spec_error>& errors) {
    FUZZ_CHECK(!errors.empty(), "a failed parse reports at least one error");
    FUZZ_CHECK(errors.size() <= 101, "at most 100 errors plus 'too many errors'");
    std::vector<std::size_t> line_len{0};
    for (char c : text) {
        if (c == '\n') line_len.push_back(0);
        else ++line_len.back();
    }
    for (std::size_t i = 0; i < errors.size(); ++i) {
        const spec_error& e = errors[i];
        FUZZ_CHECK(e.file == "fuzz.spec", "errors name the file");
        FUZZ_CHECK(!e.message.empty(), "errors have a message");
        FUZZ_CHECK(e.pos.line >= 1 && static_cast<std::size_t>(e.pos.line) <= line_len.size(), "error line inside the text");
        FUZZ_CHECK(e.pos.col >= 1 && static_cast<std::size_t>(e.pos.col) <= line_len[e.pos.line - 1] + 1,
                   "error column inside its line");
        if (i > 0) {
            const source_pos &p = errors[i - 1].pos, &q = e.pos;
            FUZZ_CHECK(p.line < q.line || (p.line == q.line && p.col <= q.col), "errors in source order");
        }
        (void)e.to_string();
    }
}

// Rows built from the spec's own literals: where the interesting comparisons are.
void collect_rows(const expr& e, std::vector<json>& rows) {
    if (e.k == expr::kind::compare) {
        rows.push_back(json{{e.attr, e.value}});
        return;
    }
    if (e.lhs) collect_rows(*e.lhs, rows);
    if (e.rhs) collect_rows(*e.rhs, rows);
}

void exercise(const app& a) {
    (void)describe(a);
    for (const view& v : a.views) {
        FUZZ_CHECK(a.find_entity(v.entity) != nullptr, "an accepted view names a declared entity");
        if (!v.where) continue;
        (void)to_string(*v.where);
        std::vector<json> rows{json::object(), json(nullptr)};
        collect_rows(*v.where, rows);
        if (rows.size() > 64) rows.resize(64);  // keep an execution cheap on huge expressions
        json merged = json::object();
        for (const json& r : rows)
            if (r.is_object()) merged.update(r);
        rows.push_back(merged);
        for (const json& r : rows) (void)eval_where(*v.where, r);
    }
    for (const subscription& s : a.subscriptions) {
        FUZZ_CHECK(a.find_entity(s.entity) != nullptr, "an accepted subscription carries a declared entity");
        (void)view_change(a, s, nullptr, nullptr);
    }
    // Its AsyncAPI document: built, and written as JSON (which throws on text that is not UTF-8)
    // and as YAML.
    const auto doc = to_asyncapi(a, {});
    FUZZ_CHECK(doc["channels"].size() == a.subscriptions.size() + 1, "one channel per subscription, plus the connection's");
    (void)doc.dump();
    (void)rt::proto::to_yaml(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = parse_spec(text, "fuzz.spec");
    if (!r) {
        check_errors(text, r.error());
        return 0;
    }
    exercise(r.value());
    if (!printable(r.value())) return 0;
    std::string again_text = write_back(r.value());
    auto again = parse_spec(again_text, "fuzz.spec");
    if (!again) {
        std::fprintf(stderr, "written back:\n%s\nfirst error: %s\n", again_text.c_str(),
                     again.error().front().to_string().c_str());
    }
    FUZZ_CHECK(again.ok(), "an accepted spec, written back from its IR, parses again");
    FUZZ_CHECK(same_app(r.value(), again.value()), "writing back and parsing again gives the same IR");
    return 0;
}
