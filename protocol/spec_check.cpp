// Semantic checks of a parsed spec: names resolve, names are unique, `where` literals fit the
// attribute they are compared with. Ordering (< <= > >=) is allowed on string, int and float
// attributes (and `id`) only: on bool, enum and ref attributes it is rejected as meaningless.
#include <algorithm>
#include <map>
#include <string>

#include "protocol/spec_expr_text.hpp"
#include "protocol/spec_json_text.hpp"
#include "protocol/spec_syntax.hpp"

namespace rt::spec {
namespace {

class checker {
public:
    checker(const parsed_spec& p, const std::string& file, std::vector<spec_error>& errors)
        : p_(p), a_(p.a), file_(file), errors_(errors) {}

    void run() {
        std::map<std::string, source_pos> entities, views, subscriptions;
        for (std::size_t i = 0; i < a_.entities.size(); ++i) {
            const entity& e = a_.entities[i];
            unique("entity '" + e.name + "'", e.name, e.pos, entities);
            std::map<std::string, source_pos> attrs;
            for (std::size_t k = 0; k < e.attrs.size(); ++k) {
                const attribute& at = e.attrs[k];
                unique("attribute '" + at.name + "' in entity '" + e.name + "'", at.name, at.pos, attrs);
                if (at.type.kind == attr_kind::ref && !a_.find_entity(at.type.ref_entity)) {
                    error(p_.pos.ref_target[i][k],
                          "unknown entity '" + at.type.ref_entity + "' after 'ref'" + known_entities());
                }
            }
        }
        for (std::size_t i = 0; i < a_.views.size(); ++i) {
            const view& v = a_.views[i];
            unique("view '" + v.name + "'", v.name, v.pos, views);
            if (v.entity.empty()) continue;  // a syntax error, already reported
            const entity* e = a_.find_entity(v.entity);
            if (!e) {
                error(p_.pos.view_entity[i],
                      "unknown entity '" + v.entity + "' in view '" + v.name + "'" + known_entities());
                continue;
            }
            if (v.where) check_expr(*v.where, *e);
        }
        for (std::size_t i = 0; i < a_.subscriptions.size(); ++i) {
            const subscription& s = a_.subscriptions[i];
            unique("subscription '" + s.name + "'", s.name, s.pos, subscriptions);
            source_pos at = p_.pos.subscription_target[i];
            if (s.kind == subscription_kind::view) {
                if (!s.view.empty() && !a_.find_view(s.view)) {
                    error(at, "unknown view '" + s.view + "' in subscription '" + s.name + "'");
                }
            } else if (!s.entity.empty() && !a_.find_entity(s.entity)) {
                error(at, "unknown entity '" + s.entity + "' in subscription '" + s.name + "'" +
                              known_entities());
            }
        }
    }

private:
    void error(source_pos pos, std::string message) {
        errors_.push_back(spec_error{file_, pos, std::move(message)});
    }

    // Reports "duplicate <label>" at `pos` when `seen` already holds `key`; records it otherwise.
    void unique(const std::string& label, const std::string& key, source_pos pos,
                std::map<std::string, source_pos>& seen) {
        auto [it, fresh] = seen.emplace(key, pos);
        if (fresh) return;
        error(pos, "duplicate " + label + " (first declared at " + pos_text(it->second) + ")");
    }

    std::string known_entities() const {
        if (a_.entities.empty()) return " (no entities are declared)";
        std::string s;
        for (const entity& e : a_.entities) s += (s.empty() ? "" : ", ") + e.name;
        return " (declared entities: " + s + ")";
    }

    void check_expr(const expr& x, const entity& e) {
        switch (x.k) {
        case expr::kind::and_:
        case expr::kind::or_:
            if (x.lhs) check_expr(*x.lhs, e);
            if (x.rhs) check_expr(*x.rhs, e);
            return;
        case expr::kind::not_:
            if (x.lhs) check_expr(*x.lhs, e);
            return;
        case expr::kind::compare: break;
        }
        const attribute* at = e.find(x.attr);
        if (!at) {
            std::string names = " (entity '" + e.name + "' has: id";
            for (const attribute& a : e.attrs) names += ", " + a.name;
            error(x.pos, "unknown attribute '" + x.attr + "' in 'where'" + names + ")");
            return;
        }
        auto lit = p_.pos.literal.find(&x);
        source_pos lit_pos = lit == p_.pos.literal.end() ? x.pos : lit->second;
        bool ordering = x.op != cmp_op::eq && x.op != cmp_op::ne;
        const json& v = x.value;
        const attr_kind k = at->type.kind;
        if (ordering && v.is_null()) {
            error(lit_pos, "ordering comparison '" + std::string(to_string(x.op)) +
                               "' with null is always false (use == null or != null)");
            return;
        }
        if (ordering && (k == attr_kind::boolean || k == attr_kind::enumeration || k == attr_kind::ref)) {
            error(x.pos, "ordering comparison '" + std::string(to_string(x.op)) + "' is not defined for '" +
                             x.attr + "' (" + to_string(at->type) + "); use == or !=");
            return;
        }
        if (v.is_null()) return;  // == null / != null test for an unset attribute
        bool fits = false;
        switch (k) {
        case attr_kind::string:
        case attr_kind::ref:
        case attr_kind::enumeration: fits = v.is_string(); break;
        case attr_kind::integer:
        case attr_kind::floating: fits = v.is_number(); break;
        case attr_kind::boolean: fits = v.is_boolean(); break;
        }
        if (!fits) {
            error(lit_pos, "type mismatch: '" + x.attr + "' is " + to_string(at->type) +
                               " but is compared with " + describe_value(v));
            return;
        }
        if (k == attr_kind::enumeration) {
            const auto& c = at->type.choices;
            if (std::find(c.begin(), c.end(), v.get<std::string>()) == c.end()) {
                error(lit_pos, json_text(v) + " is not a value of '" + x.attr + "' (" +
                                   to_string(at->type) + ")");
            }
        }
    }

    const parsed_spec& p_;
    const app& a_;
    const std::string& file_;
    std::vector<spec_error>& errors_;
};

}  // namespace

void check_spec(const parsed_spec& p, const std::string& file, std::vector<spec_error>& errors) {
    checker(p, file, errors).run();
}

}  // namespace rt::spec
