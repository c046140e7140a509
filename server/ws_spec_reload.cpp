// A live spec reload on the I/O loop: SIGHUP (ws_shutdown.cpp) and --watch's polls both end in
// reload_spec_now(), which hands every open connection to server/spec_reload.cpp.
#include "server/log.hpp"
#include "server/spec_reload.hpp"
#include "server/ws_detail.hpp"

namespace rt::server {

void ws_server::reload_spec_now(const char* trigger, std::optional<std::string> text) {
    if (state_.bus) {
        log_line(log_level::warn, std::string(trigger) + ": the spec is not reloaded with --broker (every node must serve the "
                                                         "same spec: restart the nodes with the new one)");
        return;
    }
    std::lock_guard<std::mutex> lock(reload_mu_);
    if (!text) {
        auto read = spec::read_spec_text(cfg_.spec_path);
        if (read) text = std::move(*read);
    }
    // What the server last tried, applied or not: the watch hands out only what differs from it.
    if (spec_watch_ && text) spec_watch_->ran(*text);
    if (reload_spec(state_, trigger, open_connections(), std::move(text)) == spec_reload_result::applied &&
        !state_.access.dev_mode() && !cfg_.tokens_path.empty() && std::string(trigger) != "SIGHUP")
        reload_tokens();  // SIGHUP reloads the tokens next anyway
}

void ws_server::schedule_spec_watch() {
    spec_watch_timer_.expires_after(std::chrono::milliseconds(proto::spec_watch::default_poll_ms));
    spec_watch_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return fail(ec, "spec watch timer");
        guarded("spec watch", {}, [this] {
            std::optional<std::string> content;
            if (auto read = spec::read_spec_text(cfg_.spec_path)) content = std::move(*read);
            std::optional<std::string> changed;
            {
                std::lock_guard<std::mutex> lock(reload_mu_);
                changed = spec_watch_->poll(content, wall_ms());
            }
            if (changed) reload_spec_now("--watch", std::move(changed));
        });
        schedule_spec_watch();
    });
}

}  // namespace rt::server
