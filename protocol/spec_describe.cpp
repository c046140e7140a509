// Text forms of the IR: attribute types, `where` expressions and the one-line-per-item summary.
#include "protocol/spec.hpp"
#include "protocol/spec_expr_text.hpp"
#include "protocol/spec_json_text.hpp"

namespace rt::spec {
namespace {

// Binding strength, for deciding where parentheses are needed.
int precedence(const expr& e) {
    switch (e.k) {
    case expr::kind::or_: return 1;
    case expr::kind::and_: return 2;
    case expr::kind::not_: return 3;
    case expr::kind::compare: return 4;
    }
    return 0;
}

// A literal as spec text: JSON text (cut at 200 characters), except that the spec lexer has no \b
// and \f escapes, so those two are written \u0008 and \u000c; what to_string() prints then reads
// back as the same value (found by tests/fuzz/fuzz_spec).
std::string spec_literal(const json& v) {
    std::string s = json_text(v, 200);
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char e = s[++i];  // in JSON text every backslash starts a two-character escape
        if (e == 'b') out += "\\u0008";
        else if (e == 'f') out += "\\u000c";
        else {
            out += '\\';
            out += e;
        }
    }
    return out;
}

std::string operand(const expr* e, int parent) {
    if (!e) return "?";
    std::string s = to_string(*e);
    return precedence(*e) < parent ? "(" + s + ")" : s;
}

}  // namespace

std::string_view to_string(cmp_op op) {
    switch (op) {
    case cmp_op::eq: return "==";
    case cmp_op::ne: return "!=";
    case cmp_op::lt: return "<";
    case cmp_op::le: return "<=";
    case cmp_op::gt: return ">";
    case cmp_op::ge: return ">=";
    }
    return "?";
}

std::string to_string(const expr& e) {
    switch (e.k) {
    case expr::kind::compare:
        return e.attr + " " + std::string(to_string(e.op)) + " " + spec_literal(e.value);
    case expr::kind::and_:
        return operand(e.lhs.get(), 2) + " and " + operand(e.rhs.get(), 3);
    case expr::kind::or_:
        return operand(e.lhs.get(), 1) + " or " + operand(e.rhs.get(), 2);
    case expr::kind::not_:
        return "not " + operand(e.lhs.get(), 3);
    }
    return "?";
}

std::string to_string(const attr_type& t) {
    switch (t.kind) {
    case attr_kind::string: return "string";
    case attr_kind::integer: return "int";
    case attr_kind::floating: return "float";
    case attr_kind::boolean: return "bool";
    case attr_kind::ref: return "ref " + t.ref_entity;
    case attr_kind::enumeration: {
        std::string s;
        for (const std::string& c : t.choices) {
            if (!s.empty()) s += " | ";
            s += spec_literal(json(c));
        }
        return s;
    }
    }
    return "?";
}

std::string describe(const app& a) {
    std::string out = "app " + a.name + "\n";
    for (const entity& e : a.entities) {
        out += "entity " + e.name + " { id: string";
        for (const attribute& at : e.attrs) out += ", " + at.name + ": " + to_string(at.type);
        out += " }\n";
    }
    for (const view& v : a.views) {
        out += "view " + v.name + ": " + v.entity;
        if (v.where) out += " where " + to_string(*v.where);
        out += "\n";
    }
    for (const subscription& s : a.subscriptions) {
        out += "subscription " + s.name + ": ";
        switch (s.kind) {
        case subscription_kind::view: out += "view " + s.view + " (" + s.entity + ")"; break;
        case subscription_kind::by_id: out += s.entity + " by id"; break;
        case subscription_kind::entity: out += s.entity; break;
        }
        if (s.throttle_ms) out += " throttle " + std::to_string(s.throttle_ms) + "ms";
        out += "\n";
    }
    return out;
}

}  // namespace rt::spec
