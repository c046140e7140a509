#include "loadgen/delivery_tally.hpp"

#include <algorithm>

namespace rt::loadgen {

void delivery_tally::bump(std::vector<std::uint64_t>& per_node, std::uint32_t node, std::uint64_t n) {
    if (per_node.size() <= node) per_node.resize(node + 1, 0);
    per_node[node] += n;
}

void delivery_tally::add(std::uint32_t node, std::uint32_t board, const delivery_tracker& tracker, bool coalesced) {
    ++groups_[group_key{node, board, tracker.unique(), tracker.skipped()}];
    if (coalesced) {
        coalesced_ = true;
        bump(numbered_, node, tracker.highest_seq() - tracker.base_seq());
    }
    bump(duplicated_, node, tracker.duplicates());
    bump(out_of_order_, node, tracker.out_of_order());
}

void delivery_tally::add_left_out(std::uint32_t node) { bump(left_out_, node, 1); }

void delivery_tally::merge(const delivery_tally& other) {
    for (const auto& [key, n] : other.groups_) groups_[key] += n;
    for (std::uint32_t i = 0; i < other.duplicated_.size(); ++i) bump(duplicated_, i, other.duplicated_[i]);
    for (std::uint32_t i = 0; i < other.out_of_order_.size(); ++i) bump(out_of_order_, i, other.out_of_order_[i]);
    for (std::uint32_t i = 0; i < other.left_out_.size(); ++i) bump(left_out_, i, other.left_out_[i]);
    coalesced_ = coalesced_ || other.coalesced_;
    for (std::uint32_t i = 0; i < other.numbered_.size(); ++i) bump(numbered_, i, other.numbered_[i]);
}

delivery_outcome delivery_tally::outcome(const std::vector<std::uint64_t>& acked,
                                         std::optional<std::uint32_t> node) const {
    delivery_outcome o;
    for (const auto& [key, n] : groups_) {
        const auto& [k_node, board, unique, skipped] = key;
        if (node && k_node != *node) continue;
        if (coalesced_) {  // expected is the connections' own (numbered_), below
            o.delivered += n * unique;
            o.skipped += n * skipped;
            continue;
        }
        const std::uint64_t exp = board < acked.size() ? acked[board] : 0;
        o.expected += n * exp;
        o.delivered += n * std::min(unique, exp);
        o.lost += n * (exp > unique + skipped ? exp - unique - skipped : 0);  // delivery_tracker::lost
        o.skipped += n * skipped;
    }
    auto sum = [node](const std::vector<std::uint64_t>& per_node) -> std::uint64_t {
        if (node) return *node < per_node.size() ? per_node[*node] : 0;
        std::uint64_t s = 0;
        for (auto v : per_node) s += v;
        return s;
    };
    o.duplicated = sum(duplicated_);
    o.out_of_order = sum(out_of_order_);
    o.left_out = sum(left_out_);
    if (coalesced_) {
        o.expected = sum(numbered_);
        const std::uint64_t accounted = o.delivered + o.skipped;
        o.lost = o.expected > accounted ? o.expected - accounted : 0;
    }
    return o;
}

nlohmann::json delivery_tally::to_json() const {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& [key, n] : groups_)
        groups.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), n});
    nlohmann::json j = {{"groups", std::move(groups)},
                        {"duplicated", duplicated_},
                        {"out_of_order", out_of_order_},
                        {"left_out", left_out_}};
    if (coalesced_) j["numbered"] = numbered_;
    return j;
}

std::optional<delivery_tally> delivery_tally::from_json(const nlohmann::json& j, std::string* error) {
    auto fail = [error](const std::string& why) -> std::optional<delivery_tally> {
        if (error) *error = "delivery tally: " + why;
        return std::nullopt;
    };
    if (!j.is_object()) return fail("expected an object");
    auto counts = [&j](const char* key, std::vector<std::uint64_t>& out) {
        if (!j.contains(key) || !j[key].is_array()) return false;
        for (const auto& v : j[key]) {
            if (!v.is_number_unsigned()) return false;
            out.push_back(v.get<std::uint64_t>());
        }
        return true;
    };
    delivery_tally t;
    if (!counts("duplicated", t.duplicated_) || !counts("out_of_order", t.out_of_order_) ||
        !counts("left_out", t.left_out_))
        return fail("duplicated, out_of_order and left_out must be arrays of counts");
    if (j.contains("numbered")) {
        if (!counts("numbered", t.numbered_)) return fail("numbered must be an array of counts");
        t.coalesced_ = true;
    }
    if (!j.contains("groups") || !j["groups"].is_array()) return fail("expected groups, an array");
    for (const auto& g : j["groups"]) {
        if (!g.is_array() || g.size() != 5 ||
            !std::all_of(g.begin(), g.end(), [](const nlohmann::json& v) { return v.is_number_unsigned(); }))
            return fail("a group is not [node, board, unique, skipped, connections]: " + g.dump());
        const auto node = g[0].get<std::uint64_t>(), board = g[1].get<std::uint64_t>();
        if (node > UINT32_MAX || board > UINT32_MAX) return fail("node or board out of range: " + g.dump());
        t.groups_[group_key{static_cast<std::uint32_t>(node), static_cast<std::uint32_t>(board),
                            g[2].get<std::uint64_t>(), g[3].get<std::uint64_t>()}] += g[4].get<std::uint64_t>();
    }
    return t;
}

}  // namespace rt::loadgen
