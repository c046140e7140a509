// The hub with a shared store (rt serve --broker), its streams: opened in Redis before their first
// subscriber (the subscribes waiting for them run then), opened again after Redis lost history,
// and the presence shared with the other nodes. Publishing: hub_shared.cpp.
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

void hub::stream_opened(const std::string& key, const std::string& epoch, std::uint64_t top,
                        const std::vector<history_item>& items, std::size_t live_from) {
    std::lock_guard<std::mutex> lock(mu_);
    opening op;
    if (auto o = opening_.find(key); o != opening_.end()) {
        op = std::move(o->second);
        opening_.erase(o);
    }
    auto it = streams_.find(key);
    const spec::subscription* sub = it != streams_.end() ? it->second->sub : op.sub;
    if (!sub) return;  // nobody asked (cannot happen: opens come from subscribe or reopen_streams)
    std::vector<proto::replay_entry> entries;
    entries.reserve(items.size());
    for (const auto& e : items)
        entries.push_back({e.seq, e.ts_ms, std::make_shared<const std::string>(proto::encode_event(
                                               sub->name, e.op, e.data, proto::stream_position{epoch, e.seq}, e.ts_ms))});
    auto history = proto::stream_history::restore(epoch, top, std::move(entries), cfg_.replay);
    history.prune(now_ms());
    stream* st;
    if (it == streams_.end()) {
        auto made = std::make_unique<stream>(stream{key, sub, op.filter, {}, std::move(history), {}, {}, now_ms()});
        for (auto f = op.filter.begin(); f != op.filter.end(); ++f) made->filter_keys.push_back(f.key());
        st = made.get();
        index_.add(*st);
        streams_.emplace(key, std::move(made));
        mark_idle_locked(*st, now_ms());
    } else {
        st = it->second.get();
        st->history = std::move(history);
        recount_idle_locked(*st);
        const auto& kept = st->history.events();
        for (std::size_t i = live_from; i < items.size(); ++i) {
            auto e = std::find_if(kept.begin(), kept.end(), [&](const proto::replay_entry& r) { return r.seq == items[i].seq; });
            if (e != kept.end()) fan_out_locked(*st, e->frame);
        }
    }
    st->opened = true;
    for (auto& p : op.waiting) {
        auto c = p.conn.lock();
        if (!c) continue;
        if (auto r = subscribe_locked(*c, p.id, p.msg, *sub, st->filter); !r) {
            metrics_.bad_requests++;
            sink_.send_to(*c, std::make_shared<const std::string>(proto::encode_error(p.id, r.error().code, r.error().message)));
        }
        resume_requests_locked(*c, conn_context::subscription_key(p.msg.subscription, p.msg.sid));
    }
    evict_idle_locked();
}

void hub::stream_open_failed(const std::string& key, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    auto o = opening_.find(key);
    if (o == opening_.end()) return;
    opening op = std::move(o->second);
    opening_.erase(o);
    for (auto& p : op.waiting) {
        auto c = p.conn.lock();
        if (!c || c->gone) continue;
        metrics_.bad_requests++;
        sink_.send_to(*c, std::make_shared<const std::string>(proto::encode_error(
                              p.id, error_code::unavailable, "the stream could not be opened in the shared store: " + why)));
        resume_requests_locked(*c, conn_context::subscription_key(p.msg.subscription, p.msg.sid));
    }
}

void hub::resume_requests_locked(conn_context& c, const std::string& key) {
    auto w = c.waiting_requests.find(key);
    if (w == c.waiting_requests.end()) return;
    auto queue = std::move(w->second);
    c.waiting_requests.erase(w);
    for (std::size_t i = 0; i < queue.size(); ++i) {
        auto& r = queue[i];
        result<void, protocol_error> out;
        if (r.unsubscribe) {
            out = unsubscribe_locked(c, r.id, r.unsub);
        } else {
            const spec::subscription* sub = app().find_subscription(r.sub.subscription);  // checked when it came
            out = sub ? subscribe_checked_locked(c, r.id, r.sub, *sub) : result<void, protocol_error>();
        }
        if (!out) {
            metrics_.bad_requests++;
            sink_.send_to(c, std::make_shared<const std::string>(proto::encode_error(r.id, out.error().code, out.error().message)));
        }
        if (auto again = c.waiting_requests.find(key); again != c.waiting_requests.end()) {  // waits again: the rest behind it
            for (std::size_t k = i + 1; k < queue.size(); ++k) again->second.push_back(std::move(queue[k]));
            return;
        }
    }
}

void hub::reopen_streams(bool all) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, st] : streams_) {
        if (!all && (st->opened || opening_.count(key))) continue;
        st->opened = false;
        // A fresh local epoch until Redis gives the stream its own: no `since` can match meanwhile.
        st->history = proto::stream_history(proto::random_epoch(rng_), 0, cfg_.replay);
        recount_idle_locked(*st);
        auto [slot, first] = opening_.try_emplace(key);
        if (!first) continue;  // already being opened
        slot->second.sub = st->sub;
        slot->second.filter = st->filter;
        bus_->open_stream(key, registry_field(st->sub->name, st->filter));
    }
}

void hub::announce_presence_locked(const std::string& resource) {
    json users = json::array();
    for (const auto& u : presence_.users(resource)) users.push_back({{"id", u.id}, {"meta", u.meta}});
    bus_->presence_set(resource, users.empty() ? std::string() : users.dump(-1, ' ', false, json::error_handler_t::replace));
}

void hub::presence_state(const std::string& resource, std::vector<proto::presence_user> users) {
    std::lock_guard<std::mutex> lock(mu_);
    auto members = presence_.members(resource);
    if (members.empty()) {
        shared_presence_.erase(resource);  // nobody here watches it
        return;
    }
    shared_presence_[resource] = std::move(users);
    sink_.fan_out(presence_frame(resource), members);
}

void hub::republish_presence() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : presence_.resources()) announce_presence_locked(r);
}

std::vector<std::string> hub::stream_keys() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    out.reserve(streams_.size());
    for (const auto& [key, st] : streams_)
        if (st->opened) out.push_back(key);
    return out;
}

}  // namespace rt::server
