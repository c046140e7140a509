#include "server/access.hpp"

#include <cctype>

#include "protocol/close_codes.hpp"
#include "protocol/text_check.hpp"
#include "server/log.hpp"

namespace rt::server {

namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

}  // namespace

result<void, std::string> check_client_text(const std::map<std::string, std::string>& query) {
    for (const char* field : {"user"})
        if (auto it = query.find(field); it != query.end() && !proto::valid_utf8(it->second))
            return make_unexpected(std::string("{\"error\":\"BAD_REQUEST\",\"field\":\"") + field +
                                   "\",\"message\":\"query parameter '" + field +
                                   "' is not valid UTF-8 (percent-decode it to UTF-8 text)\"}");
    return {};
}

access::access(std::string tokens_path, const spec::app& app, token_table tokens, metrics& m)
    : tokens_path_(std::move(tokens_path)), app_(app), dev_mode_(tokens_path_.empty()), metrics_(m),
      tokens_(std::make_shared<const token_table>(std::move(tokens))) {}

std::shared_ptr<const token_table> access::tokens() const {
    std::lock_guard<std::mutex> lock(tokens_mu_);
    return tokens_;
}

std::optional<identity> access::authenticate(const std::map<std::string, std::string>& query,
                                             std::string_view authorization) const {
    if (dev_mode_) {
        // Development mode: anyone on loopback may do everything; `?user=` names them for presence.
        auto u = query.find("user");
        return identity{rights::allow_all(u != query.end() && !u->second.empty() ? u->second : "anonymous"), ""};
    }
    std::string token;
    if (auto t = query.find("token"); t != query.end()) token = t->second;
    // The scheme is case-insensitive (RFC 7235): "Bearer", "bearer", "BEARER".
    if (token.empty() && iequals_prefix(authorization, "bearer ")) {
        token = std::string(authorization.substr(7));
        while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    }
    auto table = tokens();
    auto it = table->find(token);
    if (token.empty() || it == table->end()) return std::nullopt;
    return identity{it->second, token};
}

// Then every connection is held to the new table: its token gone → close 4001; its rights
// changed → close 4003 (the client reconnects and gets the new rights). Others stay untouched.
std::optional<access::reload_plan> access::reload(const std::vector<std::shared_ptr<conn_context>>& open) {
    if (dev_mode_) {
        log_line(log_level::warn, "SIGHUP: no --tokens file to reload (development mode); nothing changed");
        return std::nullopt;
    }
    auto loaded = load_tokens_file(tokens_path_, app_);
    if (!loaded) {
        metrics_.token_reload_failures++;
        log_line(log_level::error, "SIGHUP: tokens file rejected, keeping the previous tokens:");
        std::string_view rest = loaded.error();
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            log_line(log_level::error, "  " + std::string(rest.substr(0, nl)));
            if (nl == std::string_view::npos) break;
            rest.remove_prefix(nl + 1);
        }
        return std::nullopt;
    }
    auto table = std::make_shared<const token_table>(std::move(*loaded));
    {
        std::lock_guard<std::mutex> lock(tokens_mu_);
        tokens_ = table;
    }
    metrics_.token_reloads++;
    reload_plan plan;
    plan.tokens = table->size();
    for (const auto& c : open) {
        auto it = table->find(c->token);
        if (it == table->end()) {
            plan.to_close.emplace_back(c->handle, proto::close_code::auth_failed);
            ++plan.revoked;
        } else if (it->second != c->who) {
            plan.to_close.emplace_back(c->handle, proto::close_code::rights_changed);
            ++plan.changed;
        }
    }
    return plan;
}

void access::log_reloaded(const reload_plan& plan) const {
    log_line(log_level::info, "SIGHUP: reloaded " + tokens_path_ + " (" + std::to_string(plan.tokens) +
                                  " tokens); closed " + std::to_string(plan.revoked) + " connections with " +
                                  std::to_string(proto::close_code::auth_failed) + " (token revoked), " + std::to_string(plan.changed) +
                                  " with " + std::to_string(proto::close_code::rights_changed) + " (rights changed)");
}

}  // namespace rt::server
