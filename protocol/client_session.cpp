#include "protocol/client_session.hpp"

#include <type_traits>

namespace rt::proto {

namespace {

// Refusals that will not change by asking again on the same connection or the next one.
bool is_permanent(error_code c) {
    switch (c) {
        case error_code::auth_required:
        case error_code::forbidden:
        case error_code::invalid_filter:
        case error_code::unknown_subscription:
        case error_code::too_many_subscriptions:
        case error_code::bad_request:
        case error_code::not_found:
        case error_code::too_large:  // the same subscribe gets the same snapshot
            return true;
        case error_code::rate_limited:
        case error_code::unavailable:  // the shared store is back after a reconnect
            return false;
    }
    return false;
}

}  // namespace

std::string row_key(const json& row) {
    if (!row.is_object()) return {};
    auto it = row.find("id");
    if (it == row.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

client_session::client_session(client_session_options options)
    : options_(std::move(options)), backoff_(options_.backoff, options_.seed) {}

std::string client_session::subscribe_frame(const subscription_state& s, bool with_since) const {
    subscribe_msg m;
    m.subscription = s.request.name;
    m.filter = s.request.filter;
    m.sid = s.request.sid;
    if (with_since && s.position) m.since = s.position;
    m.throttle_ms = s.request.throttle_ms;
    m.batch = s.request.batch;
    return encode_client(client_message{to_wire(request_id{request_kind::subscribe, s.request.key()}), std::move(m)});
}

std::string client_session::unsubscribe_frame(const subscription_request& r) const {
    return encode_client(
        client_message{to_wire(request_id{request_kind::unsubscribe, r.key()}), unsubscribe_msg{r.name, r.sid}});
}

std::vector<std::string> client_session::subscribe(subscription_request request) {
    std::string key = request.key();
    auto& s = subs_[key];
    const subscription_request old = s.request;
    bool was_subscribed = s.phase == subscription_phase::subscribing || s.phase == subscription_phase::live;
    s.position = request.since;
    s.request = std::move(request);
    s.rows.clear();
    s.phase = subscription_phase::idle;
    if (!connected_) return {};
    std::vector<std::string> out;
    if (was_subscribed) out.push_back(unsubscribe_frame(old));  // a new filter replaces the old one
    out.push_back(subscribe_frame(s, true));
    s.phase = subscription_phase::subscribing;
    return out;
}

std::vector<std::string> client_session::unsubscribe(std::string_view key) {
    auto it = subs_.find(key);
    if (it == subs_.end()) return {};
    bool active = it->second.phase == subscription_phase::subscribing || it->second.phase == subscription_phase::live;
    const subscription_request r = it->second.request;
    subs_.erase(it);
    if (!connected_ || !active) return {};
    return {unsubscribe_frame(r)};
}

std::vector<std::string> client_session::on_connected() {
    connected_ = true;
    if (counters_.connects++ > 0) ++counters_.reconnects;
    std::vector<std::string> out;
    for (auto& [name, s] : subs_) {
        if (s.phase == subscription_phase::refused || s.phase == subscription_phase::ended) continue;
        out.push_back(subscribe_frame(s, true));
        s.phase = subscription_phase::subscribing;
    }
    // Nothing to confirm the connection with: count it as a success right away.
    if (out.empty()) backoff_.reset();
    return out;
}

std::chrono::milliseconds client_session::on_disconnected() {
    connected_ = false;
    for (auto& [name, s] : subs_)
        if (s.phase != subscription_phase::refused && s.phase != subscription_phase::ended) s.phase = subscription_phase::idle;
    return backoff_.next();
}

const subscription_state* client_session::find(std::string_view key) const {
    auto it = subs_.find(key);
    return it == subs_.end() ? nullptr : &it->second;
}

void client_session::apply(subscription_state& s, operation op, const json& data) {
    if (!options_.track_rows) return;
    std::string key = row_key(data);
    switch (op) {
        case operation::insert:
            s.rows[key] = data;
            break;
        case operation::update: {
            // Events carry the row after the change; merging also copes with partial rows.
            auto it = s.rows.find(key);
            if (it == s.rows.end() || !it->second.is_object() || !data.is_object())
                s.rows[key] = data;
            else
                it->second.update(data);
            break;
        }
        case operation::remove:
            s.rows.erase(key);
            break;
    }
}

std::vector<session_update> client_session::handle_all(const server_message& m) {
    if (const auto* batch = std::get_if<events_msg>(&m.body)) {
        ++counters_.batches;
        std::vector<session_update> out;
        out.reserve(batch->events.size());
        for (const auto& e : batch->events) out.push_back(on_event(e));
        return out;
    }
    return {std::visit(
        [&](const auto& body) -> session_update {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, subscribed_msg>) {
                return on_subscribed(m, body);
            } else if constexpr (std::is_same_v<T, event_msg>) {
                return on_event(body);
            } else if constexpr (std::is_same_v<T, error_msg>) {
                return on_error(m, body);
            } else if constexpr (std::is_same_v<T, unsubscribed_msg>) {
                return on_unsubscribed(body);
            } else if constexpr (std::is_same_v<T, spec_changed_msg>) {
                ++counters_.spec_changes;
                session_update u;
                u.kind = update_kind::spec_changed;
                u.spec = &body;
                return u;
            } else {
                return session_update{};
            }
        },
        m.body)};
}

session_update client_session::handle(const server_message& m) {
    auto all = handle_all(m);
    return all.empty() ? session_update{} : std::move(all.back());
}

std::vector<session_update> client_session::handle_text_all(std::string_view text, server_message& storage) {
    auto decoded = decode_server(text);
    if (!decoded && is_unknown_server_type(text)) {  // a newer server's message type: ignore it
        ++counters_.ignored;
        return {session_update{}};
    }
    if (!decoded) {
        ++counters_.errors;
        session_update u;
        u.kind = update_kind::error;
        u.error = decoded.error();
        return {u};
    }
    storage = std::move(decoded.value());
    return handle_all(storage);
}

session_update client_session::handle_text(std::string_view text, server_message& storage) {
    auto all = handle_text_all(text, storage);
    return all.empty() ? session_update{} : std::move(all.back());
}

session_update client_session::on_unsubscribed(const unsubscribed_msg& m) {
    session_update u;
    u.subscription = m.sid.empty() ? m.subscription : m.sid;
    auto it = subs_.find(u.subscription);
    if (!m.reason.empty() && it != subs_.end()) {
        // Ended by the server (a spec reload removed it): asking again would be refused.
        it->second.phase = subscription_phase::ended;
        ++counters_.ended;
        u.kind = update_kind::ended;
        u.reason = m.reason;
        return u;
    }
    // Our own unsubscribe before a resubscribe is bookkeeping, not news.
    u.kind = it != subs_.end() ? update_kind::other : update_kind::unsubscribed;
    return u;
}

session_update client_session::on_subscribed(const server_message&, const subscribed_msg& msg) {
    session_update u;
    u.subscription = msg.sid.empty() ? msg.subscription : msg.sid;
    auto it = subs_.find(u.subscription);
    if (it == subs_.end()) return u;  // not ours (any more): other
    subscription_state& s = it->second;
    backoff_.reset();  // the server is answering: the next outage starts from the base delay

    if (msg.recovered) {
        if (!s.position || s.position->epoch != msg.position.epoch || msg.position.seq < s.position->seq) {
            // A resume we did not ask for, or one that contradicts our position: start over.
            u.kind = update_kind::epoch_changed;
            u.expected = s.position.value_or(stream_position{});
            u.received = msg.position;
            s.position.reset();
            u.to_send = {unsubscribe_frame(s.request), subscribe_frame(s, false)};
            s.phase = subscription_phase::subscribing;
            return u;
        }
        s.phase = subscription_phase::live;
        s.replay_expected = msg.position.seq - s.position->seq;
        ++counters_.resumed;
        counters_.replayed += s.replay_expected;
        u.kind = update_kind::resumed;
        u.replayed = s.replay_expected;
        return u;
    }

    u.kind = update_kind::snapshot;
    u.reason = msg.reason;  // "spec_changed": unasked, the subscription's definition changed
    u.resync = s.position.has_value();
    if (u.resync) ++counters_.resynced;
    ++counters_.snapshots;
    s.position = msg.position;
    s.phase = subscription_phase::live;
    s.replay_expected = 0;
    s.rows.clear();
    if (msg.initial.is_array()) {
        u.rows = msg.initial.size();
        if (options_.track_rows)
            for (const auto& row : msg.initial) s.rows[row_key(row)] = row;
    }
    return u;
}

session_update client_session::on_event(const event_msg& e) {
    session_update u;
    u.subscription = e.sid.empty() ? e.subscription : e.sid;
    u.received = e.position;
    auto it = subs_.find(u.subscription);
    if (it == subs_.end()) return u;  // not ours: other
    subscription_state& s = it->second;

    if (s.phase != subscription_phase::live || !s.position) {
        // Sent before the server saw our resubscribe; the replay that follows carries it again.
        ++counters_.discarded_while_resuming;
        u.kind = update_kind::discarded;
        return u;
    }
    const stream_position last = *s.position;
    if (e.position.epoch != last.epoch) {
        ++counters_.epoch_changes;
        u.kind = update_kind::epoch_changed;
        u.expected = last;
        // Resubscribe without since: the server sends a fresh snapshot. The position stays until
        // then, so that snapshot counts as a resync.
        u.to_send = {unsubscribe_frame(s.request), subscribe_frame(s, false)};
        s.phase = subscription_phase::subscribing;
        return u;
    }
    if (e.position.seq <= last.seq) {
        ++counters_.duplicates_dropped;
        u.kind = update_kind::duplicate;
        return u;
    }
    if (e.position.seq > last.seq + 1) {
        ++counters_.gaps;
        u.kind = update_kind::gap;
        u.expected = last;
        u.to_send = {unsubscribe_frame(s.request), subscribe_frame(s, true)};
        s.phase = subscription_phase::subscribing;
        return u;
    }
    s.position->seq = e.position.seq;
    apply(s, e.op, e.data);
    ++counters_.events_delivered;
    u.kind = update_kind::event;
    u.event = &e;
    return u;
}

session_update client_session::on_error(const server_message& m, const error_msg& e) {
    ++counters_.errors;
    session_update u;
    u.kind = update_kind::error;
    u.error = e.error;
    const std::optional<request_id> about = request_id_from_wire(m.id);
    if (about) u.subscription = about->key;
    // e.g. "not subscribed" to an unsubscribe: harmless, the subscribe follows
    if (about && about->kind == request_kind::unsubscribe) return u;
    if (auto it = subs_.find(u.subscription); !u.subscription.empty() && it != subs_.end()) {
        if (is_permanent(e.error.code)) {
            it->second.phase = subscription_phase::refused;
            u.fatal = true;
        }
    } else {
        // Not tied to a subscription (e.g. AUTH_REQUIRED at connect): fatal if asking again cannot help.
        u.fatal = e.error.code == error_code::auth_required || e.error.code == error_code::forbidden;
    }
    return u;
}

}  // namespace rt::proto
