#include "server/access.hpp"

#include <cctype>

#include "protocol/close_codes.hpp"
#include "protocol/text_check.hpp"
#include "server/log.hpp"
#include "server/server_state.hpp"

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

std::string identity::budget_key() const {
    if (!token.empty()) return "token:" + token;
    if (jwt) return "jwt:" + who.user;
    return {};
}

access::access(std::string tokens_path, const spec::app& app, token_table tokens, jwt_verifier jwt, metrics& m)
    : tokens_path_(std::move(tokens_path)), app_(&app), jwt_(std::move(jwt)), dev_mode_(tokens_path_.empty() && !jwt_.enabled()), metrics_(m),
      tokens_(std::make_shared<const token_table>(std::move(tokens))) {}

std::shared_ptr<const token_table> access::tokens() const {
    std::lock_guard<std::mutex> lock(tokens_mu_);
    return tokens_;
}

result<identity, std::string> access::authenticate(const std::map<std::string, std::string>& query,
                                                   std::string_view authorization) const {
    if (dev_mode_) {
        // Development mode: anyone on loopback may do everything; `?user=` names them for presence.
        auto u = query.find("user");
        return identity{rights::allow_all(u != query.end() && !u->second.empty() ? u->second : "anonymous"), "", 0, false};
    }
    std::string token;
    if (auto t = query.find("token"); t != query.end()) token = t->second;
    // The scheme is case-insensitive (RFC 7235): "Bearer", "bearer", "BEARER".
    if (token.empty() && iequals_prefix(authorization, "bearer ")) {
        token = std::string(authorization.substr(7));
        while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    }
    if (token.empty()) return make_unexpected(std::string("missing token"));
    auto table = tokens();
    if (auto it = table->find(token); it != table->end()) return identity{it->second, token, 0, false};
    if (!jwt_.enabled()) return make_unexpected(std::string("unknown token"));
    auto id = from_jwt(token, wall_ms());
    if (!id) return make_unexpected("JWT refused: " + id.error());
    return id;
}

result<identity, std::string> access::from_jwt(const std::string& token, std::int64_t now_ms) const {
    auto v = jwt_.verify(token, now_ms);
    if (!v) return make_unexpected(v.error());
    auto claim = v->claims.find("rt");
    std::shared_ptr<const retired_names> retired;
    {
        std::lock_guard<std::mutex> lock(retired_mu_);
        retired = retired_;
    }
    auto r = rights_from_claim(claim == v->claims.end() ? nlohmann::json() : *claim, v->subject.sub, *app_.load(),
                               retired.get());
    if (!r) return make_unexpected(r.error());
    identity id{std::move(*r), "", v->subject.exp * 1000 + jwt_.rules().leeway_ms, true};
    return id;
}

result<refresh_outcome, proto::protocol_error> access::refresh(conn_context& c, const std::string& token, std::int64_t now_ms) const {
    using proto::error_code;
    if (c.expires_ms.load() == 0)
        return make_unexpected(proto::protocol_error{error_code::forbidden, "refresh is for connections that authenticated with a JWT"});
    auto id = from_jwt(token, now_ms);
    if (!id) return make_unexpected(proto::protocol_error{error_code::auth_required, "refresh refused: " + id.error() +
                                                                                          " (the connection keeps its current token until it expires)"});
    if (id->who.user != c.who.user)
        return make_unexpected(proto::protocol_error{error_code::forbidden, "refresh refused: the new token's 'sub' is not this connection's user"});
    refresh_outcome out;
    out.exp_s = (id->expires_ms - jwt_.rules().leeway_ms) / 1000;
    out.rights_changed = id->who != c.who;
    if (!out.rights_changed) c.expires_ms = id->expires_ms;
    return out;
}

std::vector<std::weak_ptr<void>> access::expired(const std::vector<std::shared_ptr<conn_context>>& open, std::int64_t now_ms) const {
    std::vector<std::weak_ptr<void>> out;
    for (const auto& c : open) {
        const std::int64_t at = c->expires_ms.load();
        if (at != 0 && now_ms >= at) out.push_back(c->handle);
    }
    return out;
}

// Then every connection is held to the new table: its token gone → close 4001; its rights
// changed → close 4003 (the client reconnects and gets the new rights). Others stay untouched.
std::optional<access::reload_plan> access::reload(const std::vector<std::shared_ptr<conn_context>>& open) {
    if (dev_mode_) {
        log_line(log_level::warn, "SIGHUP: no --tokens file to reload (development mode); nothing changed");
        return std::nullopt;
    }
    auto loaded = load_tokens_file(tokens_path_, *app_.load());
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
        if (c->token.empty()) continue;  // a JWT's connection: the file does not hold its rights
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

result<void, std::string> access::check_tokens(const spec::app& next) const {
    if (tokens_path_.empty()) return {};
    auto loaded = load_tokens_file(tokens_path_, next);
    if (!loaded) return make_unexpected(std::move(loaded.error()));
    return {};
}

void access::log_reloaded(const reload_plan& plan) const {
    log_line(log_level::info, "SIGHUP: reloaded " + tokens_path_ + " (" + std::to_string(plan.tokens) +
                                  " tokens); closed " + std::to_string(plan.revoked) + " connections with " +
                                  std::to_string(proto::close_code::auth_failed) + " (token revoked), " + std::to_string(plan.changed) +
                                  " with " + std::to_string(proto::close_code::rights_changed) + " (rights changed)");
}

void access::set_app(const spec::app& next) {
    const spec::app& prev = *app_.load();
    std::lock_guard<std::mutex> lock(retired_mu_);
    auto names = std::make_shared<retired_names>(retired_ ? *retired_ : retired_names{});
    for (const auto& s : prev.subscriptions) names->subscriptions.insert(s.name);
    for (const auto& e : prev.entities) names->entities.insert(e.name);
    for (const auto& s : next.subscriptions) names->subscriptions.erase(s.name);  // served again
    for (const auto& e : next.entities) names->entities.erase(e.name);
    retired_ = std::move(names);
    app_.store(&next, std::memory_order_release);
}

}  // namespace rt::server
