#include "server/spec_reload.hpp"

#include <chrono>

#include "protocol/spec_ir_json.hpp"
#include "server/log.hpp"

namespace rt::server {

namespace {

// One error line per line of `why`, after the heading.
void log_lines(const std::string& heading, std::string_view why) {
    log_line(log_level::error, heading);
    while (!why.empty()) {
        auto nl = why.find('\n');
        log_line(log_level::error, "  " + std::string(why.substr(0, nl)));
        if (nl == std::string_view::npos) break;
        why.remove_prefix(nl + 1);
    }
}

std::string names(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out + "]";
}

}  // namespace

spec_reload_result reload_spec(server_state& state, const char* trigger, const std::vector<std::shared_ptr<conn_context>>& open,
                               std::optional<std::string> text) {
    const std::string& path = state.cfg.spec_path;
    const std::string heading = std::string(trigger) + ": spec " + path + " not reloaded, the previous spec keeps serving:";
    auto refuse = [&](const std::string& why) {
        state.metrics.spec_reload_failures++;
        state.metrics.spec_reload_failed = 1;
        log_lines(heading, why);
        return spec_reload_result::refused;
    };
    if (!text) {
        auto read = spec::read_spec_text(path);
        if (!read) return refuse(read.error().front().to_string());
        text = std::move(*read);
    }
    auto parsed = spec::parse_spec(*text, path);
    if (!parsed) {
        std::string why;
        for (const auto& e : parsed.error()) why += (why.empty() ? "" : "\n") + e.to_string();  // file:line:col: error: ...
        return refuse(why);
    }
    auto next = std::make_shared<const spec::app>(std::move(*parsed));
    const std::string version = spec::ir_hash(*next);
    if (version == state.spec()->version) {
        state.metrics.spec_reload_failed = 0;
        log_line(log_level::debug, std::string(trigger) + ": spec " + path + " declares nothing new (version " + version + "); nothing to reload");
        return spec_reload_result::unchanged;
    }
    if (auto tokens = state.access.check_tokens(*next); !tokens)
        return refuse("the tokens file " + state.cfg.tokens_path + " does not match the new spec:\n" + tokens.error());
    const auto t0 = std::chrono::steady_clock::now();
    auto served = std::make_shared<const served_spec>(served_spec{std::move(*text), version});
    auto applied = state.hub.reload_spec(next, version, open, [&] {
        state.access.set_app(*next);
        state.set_spec(served);
    });
    if (!applied) return refuse(applied.error());
    state.metrics.spec_reloads++;
    state.metrics.spec_reload_failed = 0;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    log_line(log_level::info, std::string(trigger) + ": spec " + path + " reloaded (version " + version + "): added " +
                                  names(applied->added) + ", changed " + names(applied->changed) + ", removed " +
                                  names(applied->removed) + "; " + std::to_string(open.size()) + " connection(s) told in " +
                                  std::to_string(ms) + " ms");
    return spec_reload_result::applied;
}

}  // namespace rt::server
