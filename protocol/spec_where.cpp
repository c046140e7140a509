// Evaluation of `where` expressions on rows.
#include "protocol/spec.hpp"
#include "protocol/spec_compare.hpp"

namespace rt::spec {
namespace {

bool compare(cmp_op op, const json& row_value, const json& literal) {
    switch (op) {
    case cmp_op::eq: return values_equal(row_value, literal);
    case cmp_op::ne: return !values_equal(row_value, literal);
    default: break;
    }
    // Ordering is defined between two numbers or two strings only; anything else is false.
    auto c = values_order(row_value, literal);
    if (!c) return false;
    switch (op) {
    case cmp_op::lt: return *c < 0;
    case cmp_op::le: return *c <= 0;
    case cmp_op::gt: return *c > 0;
    case cmp_op::ge: return *c >= 0;
    default: return false;
    }
}

}  // namespace

bool eval_where(const expr& e, const json& row) {
    switch (e.k) {
    case expr::kind::and_: return e.lhs && e.rhs && eval_where(*e.lhs, row) && eval_where(*e.rhs, row);
    case expr::kind::or_:
        return (e.lhs && eval_where(*e.lhs, row)) || (e.rhs && eval_where(*e.rhs, row));
    case expr::kind::not_: return e.lhs && !eval_where(*e.lhs, row);
    case expr::kind::compare: break;
    }
    static const json null_value;
    const json* v = &null_value;  // a missing attribute (or a row that is not an object) is null
    if (row.is_object()) {
        auto it = row.find(e.attr);
        if (it != row.end()) v = &*it;
    }
    return compare(e.op, *v, e.value);
}

}  // namespace rt::spec
