#include "server/row_change.hpp"

#include <cstdio>

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

result<row_change, protocol_error> apply_publish(const spec::entity& ent, const store& db, std::mt19937_64& rng,
                                                 const proto::publish_msg& m) {
    using R = result<row_change, protocol_error>;
    auto fail = [](error_code c, std::string msg) { return R(make_unexpected(protocol_error{c, std::move(msg)})); };
    // A row that does not fit the entity: "data.status: expected ...", naming the attribute (none
    // when the row itself is not an object).
    auto bad_row = [](const spec::field_error& e) {
        protocol_error err{error_code::bad_request, "data." + e.field + ": " + e.message};
        if (!e.field.empty()) err.field = e.field;
        return R(make_unexpected(std::move(err)));
    };
    row_change ch;
    if (m.op == proto::operation::insert) {
        if (auto valid = spec::validate_row(ent, m.data, spec::row_mode::full); !valid) return bad_row(valid.error());
        auto given = m.data.find("id");
        if (given != m.data.end()) {
            ch.id = given->get<std::string>();
            if (ch.id.empty()) return bad_row({"id", "must not be empty"});
            if (db.find(ent.name, ch.id))
                return fail(error_code::bad_request, ent.name + " '" + ch.id + "' already exists (use update)");
        } else {
            do {
                char buf[20];
                std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
                ch.id = buf;
            } while (db.find(ent.name, ch.id));
        }
        ch.after = m.data;
        (*ch.after)["id"] = ch.id;
        return ch;
    }
    ch.id = m.data.at("id").get<std::string>();  // decode_client guarantees a string id
    const nlohmann::json* cur = db.find(ent.name, ch.id);
    if (!cur) return fail(error_code::not_found, ent.name + " '" + ch.id + "' does not exist");
    ch.before = *cur;
    if (m.op == proto::operation::update) {
        if (auto valid = spec::validate_row(ent, m.data, spec::row_mode::patch); !valid) return bad_row(valid.error());
        ch.after = *cur;
        for (auto it = m.data.begin(); it != m.data.end(); ++it) (*ch.after)[it.key()] = it.value();
    }
    return ch;
}

}  // namespace rt::server
