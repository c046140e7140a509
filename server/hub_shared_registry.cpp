// The hub with a shared store (rt serve --broker), its registry: the filter key sets in use on any
// node, and the set and pattern streams registered by key (matched by the publishing node through
// shared_index_), with the field names both are registered under. Publishing: hub_shared.cpp.
#include "server/hub.hpp"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

#include "protocol/filter_term.hpp"
#include "protocol/stream_key.hpp"
#include "server/log.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

std::string keyset_field(const std::string& subscription, const std::vector<std::string>& keys) {
    return subscription + '\x1f' + json(keys).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool pattern_stream(const json& canonical_filter) { return !spec::equalities_only(canonical_filter); }

bool pattern_stream_key(const std::string& stream_key) {
    auto parts = proto::split_stream_key(stream_key);
    return parts && pattern_stream(parts->filter);
}

std::string registry_field(const std::string& subscription, const json& canonical_filter) {
    if (pattern_stream(canonical_filter)) return {};
    std::vector<std::string> keys;
    for (auto f = canonical_filter.begin(); f != canonical_filter.end(); ++f) keys.push_back(f.key());
    return keyset_field(subscription, keys);
}

void hub::set_keysets(const std::string& version, const std::vector<std::string>& fields,
                      const std::vector<std::string>& pattern_keys) {
    std::lock_guard<std::mutex> lock(mu_);
    keysets_version_ = version;
    keysets_.clear();
    for (const auto& f : fields) add_keyset_locked(f);
    // The pattern streams no longer registered are unfiled, the new ones filed, the rest kept.
    const std::unordered_set<std::string> registered(pattern_keys.begin(), pattern_keys.end());
    for (auto it = shared_patterns_.begin(); it != shared_patterns_.end();) {
        if (registered.count(it->first)) {
            ++it;
            continue;
        }
        shared_index_.remove(*it->second);
        it = shared_patterns_.erase(it);
    }
    for (const auto& key : pattern_keys) add_pattern_locked(key);
}

void hub::update_registry(const std::string& version, const std::vector<registry_change>& changes) {
    std::lock_guard<std::mutex> lock(mu_);
    char* end = nullptr;
    const std::uint64_t have = std::strtoull(keysets_version_.c_str(), &end, 10);
    if (keysets_version_.empty() || *end != '\0') return;  // "?": nothing to continue from
    if (changes.empty() || changes.front().version > have + 1) return;
    for (const auto& c : changes) {
        if (c.version <= have) continue;
        if (c.kind == 'k') add_keyset_locked(c.text);
        else if (c.kind == '+') add_pattern_locked(c.text);
        else if (c.kind == '-') remove_pattern_locked(c.text);
    }
    if (changes.back().version > have) keysets_version_ = version;
}

void hub::add_keyset_locked(const std::string& field) {
    auto sep = field.find('\x1f');
    if (sep == std::string::npos) return;
    json keys = json::parse(field.substr(sep + 1), nullptr, false);
    if (!keys.is_array()) return;
    std::vector<std::string> k;
    for (const auto& v : keys)
        if (v.is_string()) k.push_back(v.get<std::string>());
    keysets_[field.substr(0, sep)].insert(std::move(k));
}

void hub::add_pattern_locked(const std::string& key) {
    if (shared_patterns_.count(key)) return;
    auto parts = proto::split_stream_key(key);
    const spec::subscription* sub = parts ? app().find_subscription(parts->subscription) : nullptr;
    // Every node runs the same spec, so this is another spec's stream: say so, and skip it.
    if (!sub || !spec::validate_filter(app(), *sub, parts->filter) || !pattern_stream(parts->filter)) {
        log_line(log_level::error, "broker: registered stream " + log_text(proto::stream_label(key)) +
                                       " is not a set or pattern stream of this node's spec: the nodes must run the same spec");
        return;
    }
    auto st = std::make_unique<stream>(stream{key, sub, parts->filter, {}, proto::stream_history({}, 0, cfg_.replay), {}, {}, 0});
    shared_index_.add(*st);
    shared_patterns_.emplace(key, std::move(st));
}

void hub::remove_pattern_locked(const std::string& key) {
    auto it = shared_patterns_.find(key);
    if (it == shared_patterns_.end()) return;
    shared_index_.remove(*it->second);
    shared_patterns_.erase(it);
}

}  // namespace rt::server
