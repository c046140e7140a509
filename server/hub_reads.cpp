// Reads of the rows: a stream's snapshot (for `subscribed`) and the REST reads.
#include "server/hub.hpp"

#include "protocol/filter_term.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

json hub::snapshot(const stream& st) const {
    json rows = json::array();
    const spec::expr* pred = app().predicate_of(*st.sub);
    auto matches = [&](const json& row) {
        return (!pred || spec::eval_where(*pred, row)) && spec::filter_matches(st.filter, row);
    };
    if (st.sub->kind == spec::subscription_kind::by_id) {
        auto id = st.filter.find("id");
        if (id != st.filter.end() && id->is_string())
            if (const json* row = db_.find(st.sub->entity, spec::decode_filter_text(id->get<std::string>()).text);
                row && matches(*row))
                rows.push_back(*row);
        return rows;
    }
    for (const auto& [id, row] : db_.rows(st.sub->entity))
        if (matches(row)) rows.push_back(row);
    return rows;
}

result<json, protocol_error> hub::get_row(const rights& who, const std::string& entity, const std::string& id) {
    using R = result<json, protocol_error>;
    std::lock_guard<std::mutex> lock(mu_);  // one spec for the whole read, whatever a reload does
    const spec::app& cur_app = app();
    const spec::entity* ent = cur_app.find_entity(entity);
    if (!ent) return R(make_unexpected(protocol_error{error_code::not_found, "no entity named '" + entity + "'"}));
    if (auto d = authorize(who, cur_app, read_entity_action{ent}); !d) return R(make_unexpected(std::move(d.error())));
    const json* row = db_.find(entity, id);
    if (!row) return R(make_unexpected(protocol_error{error_code::not_found, entity + " '" + id + "' does not exist"}));
    if (auto d = authorize(who, cur_app, read_row_action{ent, row}); !d) return R(make_unexpected(std::move(d.error())));
    return *row;
}

result<row_page, protocol_error> hub::list_rows(const rights& who, const std::string& entity, const std::string& after,
                                                std::size_t limit, std::size_t max_bytes) {
    using R = result<row_page, protocol_error>;
    std::lock_guard<std::mutex> lock(mu_);  // one spec for the whole read, whatever a reload does
    const spec::app& cur_app = app();
    const spec::entity* ent = cur_app.find_entity(entity);
    if (!ent) return R(make_unexpected(protocol_error{error_code::not_found, "no entity named '" + entity + "'"}));
    if (auto d = authorize(who, cur_app, read_entity_action{ent}); !d) return R(make_unexpected(std::move(d.error())));
    row_page page;
    std::size_t bytes = 0;
    const std::string* last_id = nullptr;
    const auto& rows = db_.rows(entity);
    for (auto it = after.empty() ? rows.begin() : rows.upper_bound(after); it != rows.end(); ++it) {
        if (!authorize(who, cur_app, read_row_action{ent, &it->second})) continue;
        std::size_t n = it->second.dump(-1, ' ', false, json::error_handler_t::replace).size() + 1;
        // A full page ends here, and says so only if a readable row follows (no empty last page).
        if (page.rows.size() >= limit || (!page.rows.empty() && bytes + n > max_bytes)) {
            page.next_after = *last_id;
            break;
        }
        bytes += n;
        last_id = &it->first;
        page.rows.push_back(it->second);
    }
    return page;
}

}  // namespace rt::server
