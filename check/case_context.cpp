#include "check/case_context.hpp"

#include "check/case_outcome.hpp"
#include "client/ws_url.hpp"

namespace rt::check {

using nlohmann::json;

std::optional<double> server_info::limit(const std::string& key) const {
    if (!announced || !raw.contains("limits") || !raw["limits"].is_object()) return std::nullopt;
    const json& l = raw["limits"];
    if (!l.contains(key) || !l[key].is_number()) return std::nullopt;
    return l[key].get<double>();
}

std::optional<bool> server_info::feature(const std::string& key) const {
    if (!announced || !raw.contains("features") || !raw["features"].is_object()) return std::nullopt;
    const json& f = raw["features"];
    if (!f.contains(key) || !f[key].is_boolean()) return std::nullopt;
    return f[key].get<bool>();
}

case_context::case_context(const check_target& target, const app_shape& shape, const server_info& info,
                           std::string run_tag, transcript& log)
    : target_(target), shape_(shape), info_(info), tag_(std::move(run_tag)), log_(log) {}

case_context::~case_context() {
    // Best effort: a broken server may refuse; the check's verdict is already made.
    if (inserted_.empty()) return;
    try {
        check_peer* p = publisher_ && !publisher_->closed() ? publisher_ : &connect("cleanup");
        for (const std::string& id : inserted_) {
            const json rid = next_id();
            p->send(json{{"type", "publish"}, {"id", rid}, {"entity", shape_.entity}, {"operation", "delete"},
                         {"data", {{"id", id}}}});
            p->reply(rid, ms(1000));
        }
    } catch (...) {
    }
}

std::string case_context::resource(bool with_token, const std::string& extra) const {
    std::string q = target_.query;
    auto add = [&q](const std::string& part) {
        if (part.empty()) return;
        q += (q.empty() ? "" : "&") + part;
    };
    if (with_token && !target_.token.empty()) add("token=" + client::percent_encode(target_.token));
    add(extra);
    return target_.path + (q.empty() ? std::string() : "?" + q);
}

http_head case_context::handshake(const std::string& resource, const std::vector<std::pair<std::string, std::string>>& headers) {
    const std::string req = upgrade_request(target_.host, target_.port, resource, headers);
    log_.add("http", true, req.substr(0, req.find("\r\n")));
    http_head h = wire_client::exchange(target_.host, target_.port, req, target_.step_timeout);
    log_.add("http", false, h.status ? h.head.substr(0, h.head.find("\r\n")) + (h.body.empty() ? "" : " " + h.body)
                                     : "[no answer: " + h.error + "]");
    return h;
}

result<check_peer*, http_head> case_context::try_connect(const std::string& name, const std::string& resource,
                                                         const std::vector<std::pair<std::string, std::string>>& headers) {
    const std::string req = upgrade_request(target_.host, target_.port, resource, headers);
    log_.add(name, true, "[upgrade " + req.substr(0, req.find("\r\n")) + "]");
    auto w = wire_client::open(target_.host, target_.port, req, target_.step_timeout);
    if (!w) {
        const http_head& h = w.error();
        log_.add(name, false, h.status ? "[" + h.head.substr(0, h.head.find("\r\n")) + "] " + h.body
                                       : "[no answer: " + h.error + "]");
        return make_unexpected(w.error());
    }
    log_.add(name, false, "[101 Switching Protocols]");
    peers_.push_back(std::make_unique<check_peer>(std::move(*w), log_, name, target_.step_timeout));
    return peers_.back().get();
}

check_peer& case_context::connect(const std::string& name, const std::string& extra_query,
                                  const std::vector<std::pair<std::string, std::string>>& headers, bool with_token) {
    auto p = try_connect(name, resource(with_token, extra_query), headers);
    if (!p) {
        const http_head& h = p.error();
        fail(name + ": the WebSocket upgrade was refused: " +
             (h.status ? h.head.substr(0, h.head.find("\r\n")) + (h.body.empty() ? "" : " " + h.body) : h.error));
    }
    return **p;
}

std::string case_context::fresh_value() { return tag_ + "-" + std::to_string(++counter_); }

json case_context::filter(const std::string& value) const { return json{{shape_.filter_attr, value}}; }

json case_context::make_row(const std::string& value, const std::string& payload) {
    json row = shape_.row_template;
    row["id"] = tag_ + "-r" + std::to_string(++counter_);
    row[shape_.filter_attr] = value;
    row[shape_.vary_attr] = payload;
    return row;
}

json case_context::next_id() { return "c" + std::to_string(++counter_); }

json case_context::subscribe(check_peer& p, const std::string& subscription, const json& filter, const json& extra) {
    const json id = next_id();
    json m{{"type", "subscribe"}, {"id", id}, {"subscription", subscription}};
    if (!filter.is_null()) m["filter"] = filter;
    for (const auto& [k, v] : extra.items()) m[k] = v;
    p.send(m);
    json r = p.reply(id);
    if (r.value("type", "") != "subscribed")
        fail(p.name() + ": subscribing to " + subscription + " was answered " + r.dump() + " instead of 'subscribed'");
    return r;
}

json case_context::publish(check_peer& p, const std::string& op, const json& data) {
    const json id = next_id();
    p.send(json{{"type", "publish"}, {"id", id}, {"entity", shape_.entity}, {"operation", op}, {"data", data}});
    json r = p.reply(id);
    if (r.value("type", "") != "published")
        fail(p.name() + ": the " + op + " of " + shape_.entity + " " + data.value("id", "") + " was answered " + r.dump() +
             " instead of 'published'");
    if (!r.contains("data") || !r["data"].is_object()) fail(p.name() + ": 'published' without a data object: " + r.dump());
    return r["data"];
}

json case_context::insert(check_peer& p, const json& row) {
    json stored = publish(p, "insert", row);
    inserted_.push_back(row.value("id", stored.value("id", "")));
    return stored;
}

json case_context::update(check_peer& p, const json& fields) { return publish(p, "update", fields); }

json case_context::remove(check_peer& p, const std::string& id) {
    json old = publish(p, "delete", json{{"id", id}});
    for (auto it = inserted_.begin(); it != inserted_.end(); ++it)
        if (*it == id) {
            inserted_.erase(it);
            break;
        }
    return old;
}

check_peer& case_context::publisher() {
    if (!publisher_ || publisher_->closed()) publisher_ = &connect("pub");
    return *publisher_;
}

double case_context::need_limit(const std::string& key) const {
    auto v = info_.limit(key);
    if (!v)
        skip(info_.announced ? "the server does not announce " + key + " in GET /api/_info"
                             : "the server announces no limits (no GET /api/_info)");
    return *v;
}

void case_context::need_feature(const std::string& feature) const {
    auto f = info_.feature(feature);
    if (!f) skip("the server does not say whether it has " + feature + (info_.announced ? " (GET /api/_info)" : " (no GET /api/_info)"));
    if (!*f) skip("the server says it has no " + feature + " (GET /api/_info)");
}

void case_context::need_token() const {
    if (target_.token.empty()) skip("needs a server with tokens: pass --token");
}

void case_context::need_leave() const {
    if (!shape_.leave) skip("subscription " + shape_.subscription + " has no view a row can leave by an update");
}

}  // namespace rt::check
