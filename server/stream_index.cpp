#include "server/stream_index.hpp"

namespace rt::server {

using json = nlohmann::json;

namespace {

// Values compared by equality are normalized to their attribute's type, so a filter {"priority":3}
// and a row {"priority":3.0} land on the same index key.
json index_normalize(const spec::entity& e, const std::string& attr, const json& v) {
    const spec::attribute* a = e.find(attr);
    if (!a || !v.is_number()) return v;
    if (a->type.kind == spec::attr_kind::integer) return json(v.get<std::int64_t>());
    if (a->type.kind == spec::attr_kind::floating) return json(v.get<double>());
    return v;
}

// The canonical filter text a row belongs to for a key set.
std::string index_project(const spec::entity& e, const json& row, const std::vector<std::string>& keys) {
    return project_row(e, row, keys).dump();
}

}  // namespace

json project_row(const spec::entity& e, const json& row, const std::vector<std::string>& keys) {
    json o = json::object();
    for (const auto& k : keys) {
        auto it = row.find(k);
        // A missing attribute is null, as in filter_matches: a {"assignee":null} stream gets the unset rows.
        o[k] = it == row.end() || it->is_null() ? json(nullptr) : index_normalize(e, k, *it);
    }
    return o;
}

json canonical_filter(const spec::app& app, const spec::subscription& sub, const json& filter) {
    json out = json::object();
    const spec::entity* e = app.find_entity(sub.entity);
    if (!filter.is_object() || !e) return out;
    for (auto it = filter.begin(); it != filter.end(); ++it) out[it.key()] = index_normalize(*e, it.key(), it.value());
    return out;
}

void stream_index::add(stream& st) { by_sub_[st.sub->name][st.filter_keys][st.filter.dump()] = &st; }

void stream_index::remove(const stream& st) {
    auto idx = by_sub_.find(st.sub->name);
    if (idx == by_sub_.end()) return;
    auto ks = idx->second.find(st.filter_keys);
    if (ks == idx->second.end()) return;
    auto f = ks->second.find(st.filter.dump());
    if (f == ks->second.end() || f->second != &st) return;
    ks->second.erase(f);
    if (ks->second.empty()) idx->second.erase(ks);
    if (idx->second.empty()) by_sub_.erase(idx);
}

std::vector<stream*> stream_index::candidates(const spec::entity& entity, const json* before, const json* after) const {
    std::vector<stream*> out;
    for (const auto& sub : app_.subscriptions) {
        if (sub.entity != entity.name) continue;
        auto idx = by_sub_.find(sub.name);
        if (idx == by_sub_.end()) continue;
        for (const auto& [keys, by_filter] : idx->second) {
            stream* found_before = nullptr;
            for (const json* row : {before, after}) {
                if (!row) continue;
                auto f = by_filter.find(index_project(entity, *row, keys));
                if (f == by_filter.end() || f->second == found_before) continue;
                out.push_back(f->second);
                if (row == before) found_before = f->second;
            }
        }
    }
    return out;
}

std::size_t stream_index::size() const {
    std::size_t n = 0;
    for (const auto& [name, by_keys] : by_sub_)
        for (const auto& [keys, by_filter] : by_keys) n += by_filter.size();
    return n;
}

}  // namespace rt::server
