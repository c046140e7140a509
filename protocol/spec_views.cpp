// View maintenance: which change a subscription emits for one row change.
#include "protocol/spec.hpp"

namespace rt::spec {

std::string_view to_wire(change c) {
    switch (c) {
    case change::insert: return "insert";
    case change::update: return "update";
    case change::remove: return "delete";
    case change::none: break;
    }
    return "";
}

change view_change(const app& a, const subscription& s, const json* before, const json* after,
                   const json* filter) {
    const expr* pred = a.predicate_of(s);
    // A row is "in" when it exists, passes the view's where (if any) and the client's filter.
    auto in = [&](const json* row) {
        if (!row || !row->is_object()) return false;
        if (pred && !eval_where(*pred, *row)) return false;
        if (filter && !filter_matches(*filter, *row)) return false;
        return true;
    };
    bool was = in(before), is = in(after);
    if (was && is) return change::update;
    if (is) return change::insert;
    if (was) return change::remove;
    return change::none;
}

}  // namespace rt::spec
