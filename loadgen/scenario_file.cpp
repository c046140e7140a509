#include "loadgen/scenario_file.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace rt::loadgen {

namespace {

// The text form apply_setting expects, or an error for arrays, tables and dates.
result<std::string, std::string> value_text(const toml::node& n) {
    if (auto s = n.as_string()) return std::string(s->get());
    if (auto i = n.as_integer()) {
        if (i->get() < 0) return make_unexpected(std::string("must not be negative"));
        return std::to_string(i->get());
    }
    if (auto f = n.as_floating_point()) {
        std::ostringstream os;
        os << f->get();
        return os.str();
    }
    if (auto b = n.as_boolean()) return std::string(b->get() ? "true" : "false");
    return make_unexpected(std::string("expected a string, number or boolean"));
}

}  // namespace

result<void, std::string> apply_scenario_text(loadgen_config& config, std::string_view toml_text,
                                              std::string_view source_name) {
    const std::string src(source_name);
    toml::table root;
    try {
        root = toml::parse(toml_text, src);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return make_unexpected(src + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                               std::string(e.description()));
    }
    for (const auto& [key, node] : root) {
        const std::string k(key.str());
        const std::string where = src + ": " + k;
        if (k == "thresholds") {
            const toml::table* t = node.as_table();
            if (!t) return make_unexpected(where + ": expected a table of threshold = limit");
            for (const auto& [tkey, tnode] : *t) {
                auto text = value_text(tnode);
                if (!text) return make_unexpected(where + "." + std::string(tkey.str()) + ": " + text.error());
                auto r = config.thresholds.set(tkey.str(), *text);
                if (!r) return make_unexpected(src + ": " + r.error());
            }
            continue;
        }
        if (const toml::array* list = node.as_array(); list && k == "url") {
            std::vector<std::string> urls;  // url = ["ws://a/live", "ws://b/live"]: several nodes
            for (const auto& u : *list) {
                if (!u.is_string()) return make_unexpected(where + ": expected an array of URL strings");
                urls.push_back(std::string(u.as_string()->get()));
            }
            if (auto r = set_urls(config, urls); !r) return make_unexpected(src + ": " + r.error());
            continue;
        }
        auto text = value_text(node);
        if (!text) return make_unexpected(where + ": " + text.error());
        auto r = apply_setting(config, k, *text);
        if (!r) return make_unexpected(src + ": " + r.error());
    }
    return {};
}

result<void, std::string> apply_scenario_file(loadgen_config& config, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_unexpected("cannot read scenario file '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string spec_before = config.spec;
    auto r = apply_scenario_text(config, ss.str(), path);
    // A spec file named by the scenario is relative to the scenario's folder (as in chaos scenarios).
    const auto slash = path.find_last_of('/');
    if (r && config.spec != spec_before && config.spec != "server" && config.spec.front() != '/' &&
        slash != std::string::npos)
        config.spec = path.substr(0, slash + 1) + config.spec;
    return r;
}

}  // namespace rt::loadgen
