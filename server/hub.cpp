#include "server/hub.hpp"

#include <chrono>

#include "server/stream_restore.hpp"

#include "protocol/stream_key.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

namespace {

unexpected<protocol_error> perr(error_code c, std::string msg) { return make_unexpected(protocol_error{c, std::move(msg)}); }

}  // namespace

hub::hub(const spec::app& app, store& db, hub_config cfg, metrics& m, delivery_sink& sink, change_commit* commit)
    : app_(&app),
      db_(db),
      cfg_(cfg),
      metrics_(m),
      sink_(sink),
      own_commit_(commit ? nullptr : std::make_unique<store_commit>(db, cfg.replay.max_events)),
      commit_(commit ? *commit : *own_commit_),
      rng_(std::random_device{}()),
      index_(app) {
    // Recreate persisted streams (durable store only), idle from now: their subscribers may resume.
    std::int64_t now = now_ms();
    for (auto& st : restore_streams(app, db_.load_streams(), cfg_.replay, now)) {
        stream* raw = st.get();
        index_.add(*raw);
        streams_.emplace(raw->key, std::move(st));
        mark_idle_locked(*raw, now);
    }
    // A database from a server with larger caps (or none) may hold more than these allow.
    evict_idle_locked();
}

std::int64_t hub::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

stream& hub::stream_for(const spec::subscription& s, const json& canonical) {
    std::string key = proto::stream_key(s.name, canonical);
    auto it = streams_.find(key);
    if (it != streams_.end()) return *it->second;
    auto st = std::make_unique<stream>(
        stream{key, &s, canonical, {}, proto::stream_history(proto::random_epoch(rng_), 0, cfg_.replay), {}, {}, now_ms()});
    for (auto f = canonical.begin(); f != canonical.end(); ++f) st->filter_keys.push_back(f.key());
    stream* raw = st.get();
    index_.add(*raw);
    db_.save_stream(key, raw->history.epoch(), 0);
    streams_.emplace(key, std::move(st));
    return *raw;
}

result<void, protocol_error> hub::subscribe(conn_context& c, const json& id, const proto::subscribe_msg& m) {
    // Checked under the lock: a spec reload cannot come between the checks and the registration.
    std::lock_guard<std::mutex> lock(mu_);
    auto sub = check_subscribe_locked(c, m);
    if (!sub) return make_unexpected(std::move(sub.error()));
    return subscribe_checked_locked(c, id, m, **sub);
}

result<const spec::subscription*, protocol_error> hub::check_subscribe_locked(conn_context& c, const proto::subscribe_msg& m) {
    using R = result<const spec::subscription*, protocol_error>;
    const spec::app& a = app();
    const spec::subscription* sub = a.find_subscription(m.subscription);
    if (!sub) return R(perr(error_code::unknown_subscription, "no subscription named '" + m.subscription + "' in the spec"));
    // Every distinct filter is a stream kept after its last subscriber leaves: its size is bounded
    // before anything else looks at it.
    if (std::size_t n = m.filter.dump(-1, ' ', false, json::error_handler_t::replace).size(); n > cfg_.max_filter_bytes)
        return R(perr(error_code::invalid_filter, "the filter is " + std::to_string(n) + " bytes of JSON; at most " +
                                                      std::to_string(cfg_.max_filter_bytes) + " are allowed (--max-filter)"));
    // The stream (its snapshot, replay and every later event) lies inside what the token may
    // read: the one check covers all three.
    if (auto d = authorize(c.who, a, subscribe_action{sub, &m.filter}); !d) return R(make_unexpected(std::move(d.error())));
    if (auto valid = spec::validate_filter(a, *sub, m.filter); !valid) return R(perr(error_code::invalid_filter, valid.error()));
    if (m.batch && !m.throttle_ms.value_or(sub->throttle_ms))
        return R(perr(error_code::bad_request, "field 'batch': batching needs a throttle window; give \"throttle\" (e.g. \"250ms\") "
                                               "or subscribe to a subscription with a throttle default in the spec"));
    return R(sub);
}

result<void, protocol_error> hub::subscribe_checked_locked(conn_context& c, const json& id, const proto::subscribe_msg& m,
                                                           const spec::subscription& subscription) {
    const spec::subscription* sub = &subscription;
    json canonical = canonical_filter(app(), *sub, m.filter);
    if (bus_) {
        // Behind an earlier subscribe of the same key that waits for its stream: in order.
        const std::string ckey = conn_context::subscription_key(sub->name, m.sid);
        if (auto w = c.waiting_requests.find(ckey); w != c.waiting_requests.end()) {
            w->second.push_back({id, false, m, {}});
            return {};
        }
        // A stream this node does not hold (or holds from before Redis lost history) is asked of
        // the shared store first; the subscribe goes on when it is open (stream_opened).
        std::string skey = proto::stream_key(sub->name, canonical);
        auto it = streams_.find(skey);
        if (it == streams_.end() || !it->second->opened) {
            if (!bus_->available())
                return perr(error_code::unavailable, "the shared store (--broker) cannot be reached; subscribe again later");
            auto [slot, first] = opening_.try_emplace(skey);
            slot->second.waiting.push_back({c.self, id, m});
            c.waiting_requests[ckey];  // later requests of this key wait behind it
            if (first) {
                slot->second.sub = sub;
                slot->second.filter = canonical;
                bus_->open_stream(skey, registry_field(sub->name, canonical));
            }
            return {};
        }
    }
    return subscribe_locked(c, id, m, *sub, canonical);
}

result<void, protocol_error> hub::subscribe_locked(conn_context& c, const json& id, const proto::subscribe_msg& m,
                                                   const spec::subscription& subscription, const json& canonical,
                                                   const std::string& reason) {
    const spec::subscription* sub = &subscription;
    if (c.gone) return {};  // disconnected while its stream was being opened
    std::int64_t now = now_ms();
    const std::string key = conn_context::subscription_key(sub->name, m.sid);
    auto existing = c.subscriptions.find(key);
    if (existing == c.subscriptions.end() && c.subscriptions.size() >= static_cast<std::size_t>(cfg_.max_subscriptions))
        return perr(error_code::too_many_subscriptions,
                    "a connection may hold at most " + std::to_string(cfg_.max_subscriptions) +
                        " subscriptions (give each its own sid to hold several of one name)");
    if (existing != c.subscriptions.end()) {  // resubscribing replaces the old filter/position
        remove_subscriber(*existing->second.st, c, existing->second, now);
        c.subscriptions.erase(existing);
    }
    stream& st = stream_for(*sub, canonical);
    mark_busy_locked(st);
    // A throttled subscription (its own window, else the spec's default) joins its window's group,
    // whose seq space and history it follows instead of the stream's. The group's open window is
    // sent first, so that the snapshot or replay below ends where the group's next events begin.
    const std::int64_t window = m.throttle_ms.value_or(sub->throttle_ms);
    throttle_group* tg = window ? &group_for_locked(st, window) : nullptr;
    if (tg) flush_group_locked(*tg);
    proto::stream_history& history = tg ? tg->history : st.history;
    history.prune(now);

    proto::subscribed_msg reply;
    reply.subscription = sub->name;
    reply.sid = m.sid;
    reply.reason = reason;
    std::optional<std::vector<proto::replay_entry>> missed;
    if (m.since) missed = history.missed_since(*m.since, now);
    reply.position = history.position();
    reply.throttle_ms = window;
    reply.batch = tg && m.batch;
    reply.recovered = missed.has_value();
    if (!reply.recovered) reply.initial = snapshot(st);
    if (m.since) (reply.recovered ? metrics_.resumes_recovered : metrics_.resumes_resynced)++;

    // Not subscribed after all (refused, or the connection is closing): the stream may be idle again.
    auto give_up = [&] {
        if (st.idle()) mark_idle_locked(st, now);
        evict_idle_locked();
    };
    const auto frame = std::make_shared<const std::string>(proto::encode_subscribed(id, reply));
    switch (sink_.send_to(c, frame)) {
        case send_status::too_large:
            give_up();
            return perr(error_code::too_large,
                        "the subscribed reply of '" + sub->name + "' (" + std::to_string(reply.initial.size()) +
                            " rows, " + std::to_string(frame->size()) +
                            " bytes) is larger than this connection's output limit; subscribe with a narrower filter");
        case send_status::closing:
            give_up();
            return {};
        case send_status::sent:
        case send_status::dropped:
            break;
    }
    if (missed) {
        for (const auto& e : *missed) {
            auto s = sink_.send_to(c, m.sid.empty() ? e.frame : std::make_shared<const std::string>(proto::event_with_sid(*e.frame, m.sid)));
            if (s == send_status::closing) {
                give_up();
                return {};
            }
            // An event over the limit alone (not possible under --max-frame) is skipped: the
            // client sees the gap by its seq, as for a dropped event.
        }
        metrics_.replayed_events += missed->size();
    }
    const bool batch = reply.batch;
    if (m.sid.empty()) (!tg ? st.subscribers : batch ? tg->batch_subscribers : tg->subscribers).push_back(&c);
    else (!tg ? st.sid_subscribers : batch ? tg->batch_sid_subscribers : tg->sid_subscribers)[m.sid].push_back(&c);
    c.subscriptions[key] = conn_subscription{&st, m.sid, tg, batch, m.throttle_ms};
    evict_idle_locked();  // the subscription this one replaced may have left its stream idle
    return {};
}

result<void, protocol_error> hub::unsubscribe(conn_context& c, const json& id, const proto::unsubscribe_msg& m) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!m.subscription.empty() && !app().find_subscription(m.subscription))
        return perr(error_code::unknown_subscription, "no subscription named '" + m.subscription + "' in the spec");
    if (bus_) {
        if (auto w = c.waiting_requests.find(conn_context::subscription_key(m.subscription, m.sid)); w != c.waiting_requests.end()) {
            w->second.push_back({id, true, {}, m});  // after the subscribe it follows, in order
            return {};
        }
    }
    return unsubscribe_locked(c, id, m);
}

result<void, protocol_error> hub::unsubscribe_locked(conn_context& c, const json& id, const proto::unsubscribe_msg& m) {
    std::string name = m.subscription;
    auto it = c.subscriptions.find(conn_context::subscription_key(m.subscription, m.sid));
    if (it != c.subscriptions.end()) {
        if (!m.subscription.empty() && it->second.st->sub->name != m.subscription)
            return perr(error_code::bad_request, "sid '" + m.sid + "' is a subscription to '" + it->second.st->sub->name +
                                                     "', not '" + m.subscription + "'");
        name = it->second.st->sub->name;
        remove_subscriber(*it->second.st, c, it->second, now_ms());
        c.subscriptions.erase(it);
        evict_idle_locked();
    }
    sink_.send_to(c, std::make_shared<const std::string>(proto::encode_unsubscribed(id, name, m.sid)));
    return {};
}

void hub::disconnect(conn_context& c) {
    std::lock_guard<std::mutex> lock(mu_);
    c.gone = true;
    std::int64_t now = now_ms();
    for (auto& [key, s] : c.subscriptions) remove_subscriber(*s.st, c, s, now);
    c.subscriptions.clear();
    evict_idle_locked();
    for (const auto& r : presence_.leave_all(&c)) broadcast_presence(r);
    c.presence.clear();
}

}  // namespace rt::server
