// The Redis broker's view across nodes: this node's heartbeat (and the reaping of dead nodes'
// presence), presence lists set per node and merged on read, and the TTL refresh of the streams
// this node holds (and of the registrations of its set and pattern streams).
// Runs on the broker's thread; the class is in redis_broker_impl.hpp.
#include "server/redis_broker_impl.hpp"

namespace rt::server {

void redis_broker::impl::heartbeat() {
    cmd->command({"EVAL", redis_scripts::heartbeat, "0", node_id, std::to_string(cfg.reply_timeout.count())},
                 [this](const redisReply* r) {
                     if (!rb_array(r, 2)) return;
                     if (rb_u64(r->element[1]) > 0)
                         log_line(log_level::info, "broker: " + std::to_string(rb_u64(r->element[1])) +
                                                       " node(s) stopped their heartbeat; their presence members are removed");
                     if (rb_u64(r->element[0]) == 0 && heartbeat_seen) {
                         log_line(log_level::warn, "broker: this node was taken for dead (no heartbeat for " +
                                                       std::to_string(cfg.reply_timeout.count()) + " ms); announcing its presence again");
                         h.republish_presence();
                     }
                     heartbeat_seen = true;
                 });
}

void redis_broker::impl::do_presence_set(const std::string& resource, const std::string& users) {
    if (ph != phase::ready) return;  // announced again by become_ready
    cmd->command({"EVAL", redis_scripts::presence_set, "0", node_id, resource, users,
                  std::to_string(cfg.reply_timeout.count())},
                 [](const redisReply*) {});
}

// A resource's users changed on some node: every node's list, merged (a user once, sorted by id).
void redis_broker::impl::read_presence(const std::string& resource) {
    if (ph != phase::ready) return;
    cmd->command({"HGETALL", "rt:p:" + resource}, [this, resource](const redisReply* r) {
        if (!r || r->type != REDIS_REPLY_ARRAY) return;
        auto flat = rb_strings(r);
        std::map<std::string, std::string> by_node;  // sorted: every node merges in the same order
        for (std::size_t k = 0; k + 1 < flat.size(); k += 2) by_node[flat[k]] = flat[k + 1];
        std::map<std::string, json> users;
        for (const auto& [node, text] : by_node) {
            json list = json::parse(text, nullptr, false);
            if (!list.is_array()) continue;
            for (const auto& u : list)
                if (u.is_object() && u.contains("id") && u["id"].is_string())
                    users.emplace(u["id"].get<std::string>(), u.value("meta", json::object()));
        }
        std::vector<proto::presence_user> out;
        for (auto& [id, meta] : users) out.push_back({id, std::move(meta)});
        h.presence_state(resource, std::move(out));
    });
}

void redis_broker::impl::touch() {
    std::vector<std::string> args{"EVAL", redis_scripts::touch, "0", std::to_string(cfg.stream_ttl.count())};
    for (auto& k : h.stream_keys()) {
        const bool pattern = pattern_stream_key(k);  // its registration is refreshed too
        args.push_back(std::move(k));
        args.emplace_back(pattern ? "p" : "e");
    }
    if (args.size() == 4) return;
    cmd->command(args, [this](const redisReply* r) {
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;
        log_line(log_level::warn, "broker: " + std::to_string(r->elements) + " stream(s) held here expired in Redis; reopening");
        h.reopen_streams(true);
    });
}

}  // namespace rt::server
