#include "server/stream_index.hpp"

#include <algorithm>
#include <unordered_set>

#include "protocol/filter_term.hpp"

namespace rt::server {

using json = nlohmann::json;

namespace {

constexpr char sidx_separator = '\x1f';

// Values compared by equality are normalized to their attribute's type, so a filter {"priority":3}
// and a row {"priority":3.0} land on the same index key.
json index_normalize(const spec::entity& e, const std::string& attr, const json& v) {
    const spec::attribute* a = e.find(attr);
    if (!a || !v.is_number()) return v;
    if (a->type.kind == spec::attr_kind::integer) return json(v.get<std::int64_t>());
    if (a->type.kind == spec::attr_kind::floating) return json(v.get<double>());
    return v;
}

// A row's value as the canonical filter value for equality: normalized, a string in its literal
// filter spelling (a value ending in '*' is written with "\*").
json sidx_row_value(const spec::entity& e, const json& row, const std::string& attr) {
    auto it = row.find(attr);
    // A missing attribute is null, as in filter_matches: a {"assignee":null} stream gets the unset rows.
    if (it == row.end() || it->is_null()) return json(nullptr);
    if (it->is_string()) return json(spec::encode_filter_literal(it->get<std::string>()));
    return index_normalize(e, attr, *it);
}

// How a canonical filter is filed: its group and the entry texts (one per combination of its sets).
struct sidx_filing {
    std::vector<std::string> eq_keys;
    std::string prefix_key;
    std::vector<std::string> texts;
};

sidx_filing sidx_file(const json& filter) {
    sidx_filing out;
    std::string prefix;
    std::vector<std::pair<std::string, std::vector<json>>> choices;  // eq key → its value(s)
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        const json& v = it.value();
        if (v.is_array()) {
            choices.emplace_back(it.key(), std::vector<json>(v.begin(), v.end()));
        } else if (v.is_string() && spec::decode_filter_text(v.get<std::string>()).prefix) {
            out.prefix_key = it.key();
            prefix = spec::decode_filter_text(v.get<std::string>()).text;
            continue;
        } else {
            choices.emplace_back(it.key(), std::vector<json>{v});
        }
        out.eq_keys.push_back(it.key());
    }
    // Every combination of one value per key (odometer order).
    std::vector<std::size_t> at(choices.size(), 0);
    for (;;) {
        json o = json::object();
        for (std::size_t i = 0; i < choices.size(); ++i) o[choices[i].first] = choices[i].second[at[i]];
        std::string text = o.dump();
        if (!out.prefix_key.empty()) text += sidx_separator + prefix;
        out.texts.push_back(std::move(text));
        std::size_t i = 0;
        while (i < choices.size() && ++at[i] == choices[i].second.size()) at[i++] = 0;
        if (i == choices.size()) break;
    }
    return out;
}

std::string sidx_filed_key(const stream& st) { return st.sub->name + sidx_separator + st.filter.dump(); }

}  // namespace

json project_row(const spec::entity& e, const json& row, const std::vector<std::string>& keys) {
    json o = json::object();
    for (const auto& k : keys) o[k] = sidx_row_value(e, row, k);
    return o;
}

json canonical_filter(const spec::app& app, const spec::subscription& sub, const json& filter) {
    json out = json::object();
    const spec::entity* e = app.find_entity(sub.entity);
    if (!filter.is_object() || !e) return out;
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        if (!it.value().is_array()) {
            out[it.key()] = index_normalize(*e, it.key(), it.value());
            continue;
        }
        // Strings in a set are already in their one literal spelling; numbers normalized, then sorted.
        std::vector<json> values;
        for (const auto& x : it.value()) values.push_back(index_normalize(*e, it.key(), x));
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        out[it.key()] = values.size() == 1 ? values.front() : json(values);
    }
    return out;
}

void stream_index::add(stream& st) {
    const std::string key = sidx_filed_key(st);
    if (auto old = filed_.find(key); old != filed_.end()) {
        if (old->second == &st) return;
        remove(*old->second);
    }
    sidx_filing f = sidx_file(st.filter);
    group& g = by_sub_[st.sub->name][group_id{f.eq_keys, f.prefix_key}];
    g.eq_keys = std::move(f.eq_keys);
    g.prefix_key = std::move(f.prefix_key);
    for (auto& text : f.texts) g.entries[std::move(text)].push_back(&st);
    filed_[key] = &st;
}

void stream_index::remove(const stream& st) {
    auto filed = filed_.find(sidx_filed_key(st));
    if (filed == filed_.end() || filed->second != &st) return;
    filed_.erase(filed);
    sidx_filing f = sidx_file(st.filter);
    auto idx = by_sub_.find(st.sub->name);
    if (idx == by_sub_.end()) return;
    auto g = idx->second.find(group_id{f.eq_keys, f.prefix_key});
    if (g == idx->second.end()) return;
    for (const auto& text : f.texts) {
        auto e = g->second.entries.find(text);
        if (e == g->second.entries.end()) continue;
        auto& v = e->second;
        v.erase(std::remove(v.begin(), v.end(), &st), v.end());
        if (v.empty()) g->second.entries.erase(e);
    }
    if (g->second.entries.empty()) idx->second.erase(g);
    if (idx->second.empty()) by_sub_.erase(idx);
}

std::vector<stream*> stream_index::candidates(const spec::entity& entity, const json* before, const json* after) const {
    std::vector<stream*> out;
    std::unordered_set<const stream*> seen;
    auto take = [&](const std::unordered_map<std::string, std::vector<stream*>>& entries, const std::string& text) {
        ++probes_;
        auto f = entries.find(text);
        if (f == entries.end()) return;
        for (stream* st : f->second)
            if (seen.insert(st).second) out.push_back(st);
    };
    for (const auto& sub : app_->subscriptions) {
        if (sub.entity != entity.name) continue;
        auto idx = by_sub_.find(sub.name);
        if (idx == by_sub_.end()) continue;
        for (const auto& [id, g] : idx->second) {
            for (const json* row : {before, after}) {
                if (!row || !row->is_object()) continue;
                std::string text = project_row(entity, *row, g.eq_keys).dump();
                if (g.prefix_key.empty()) {
                    take(g.entries, text);
                    continue;
                }
                // A pattern: probe with every prefix of the row's value, "" to the whole value.
                auto v = row->find(g.prefix_key);
                if (v == row->end() || !v->is_string()) continue;
                const auto& s = v->get_ref<const std::string&>();
                text += sidx_separator;
                const std::size_t base = text.size();
                for (std::size_t n = 0; n <= s.size(); ++n) {
                    text.resize(base);
                    text.append(s, 0, n);
                    take(g.entries, text);
                }
            }
        }
    }
    return out;
}

}  // namespace rt::server
