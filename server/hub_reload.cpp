// A live spec reload (rt serve --watch, SIGHUP): the hub's side. Everything runs under the hub
// lock, so no event, subscribe or publish falls between the old spec and the new one.
#include <algorithm>
#include <set>

#include "protocol/spec_diff.hpp"
#include "server/hub.hpp"
#include "server/log.hpp"

namespace rt::server {

using proto::error_code;
using proto::protocol_error;

std::pair<std::vector<std::string>, std::size_t> hub::misfit_rows_locked(
    const spec::app& next, const std::map<std::string, std::map<std::string, json>>& loaded, std::size_t max_lines) const {
    std::vector<std::string> lines;
    std::size_t count = 0;
    auto report = [&](std::string line) {
        ++count;
        if (lines.size() < max_lines) lines.push_back(std::move(line));
    };
    auto check = [&](const spec::entity& e, const std::map<std::string, json>& rows) {
        for (const auto& [id, row] : rows)
            if (auto ok = spec::validate_row(e, row, spec::row_mode::full); !ok)
                report(e.name + " '" + log_text(id) + "': " + (ok.error().field.empty() ? std::string() : ok.error().field + ": ") +
                       ok.error().message);
    };
    for (const auto& e : app().entities) {
        const auto& rows = db_.rows(e.name);
        if (rows.empty()) continue;
        if (const spec::entity* ne = next.find_entity(e.name)) check(*ne, rows);
        else report(e.name + ": the new spec removes this entity, which still has " + std::to_string(rows.size()) + " row(s)");
    }
    for (const auto& [entity, rows] : loaded)
        if (const spec::entity* ne = next.find_entity(entity)) check(*ne, rows);
    return {std::move(lines), count};
}

result<proto::spec_changed_msg, std::string> hub::reload_spec(std::shared_ptr<const spec::app> next_app,
                                                              const std::string& version,
                                                              const std::vector<std::shared_ptr<conn_context>>& conns,
                                                              const std::function<void()>& applying) {
    std::lock_guard<std::mutex> lock(mu_);
    const spec::app& next = *next_app;
    // 10 lines show the pattern of a mistake; the count says how big it is.
    constexpr std::size_t k_report_lines = 10;
    auto loaded = db_.unserved_rows(next);
    if (auto [lines, count] = misfit_rows_locked(next, loaded, k_report_lines); count) {
        std::string why = std::to_string(count) + " stored row(s) do not fit the new spec:";
        for (const auto& l : lines) why += "\n  " + l;
        if (count > lines.size()) why += "\n  ... and " + std::to_string(count - lines.size()) + " more";
        return make_unexpected(std::move(why));
    }
    const spec::spec_diff diff = spec::diff_specs(app(), next);
    reloaded_.push_back(std::move(next_app));  // kept: streams and requests in flight may still point into the old app
    app_.store(&next, std::memory_order_release);
    index_.set_app(next);
    shared_index_.set_app(next);
    db_.serve_entities(next, std::move(loaded));
    if (applying) applying();  // the rest of the server switches before anyone is told

    proto::spec_changed_msg msg{version, diff.added, diff.changed, diff.removed};
    // First, before any frame about a subscription: every connection learns the new version.
    const auto announce = std::make_shared<const std::string>(proto::encode_spec_changed(msg));
    for (const auto& c : conns)
        if (!c->gone) sink_.send_to(*c, announce);

    // The subscribers of changed and removed subscriptions leave their streams, which go.
    const std::set<std::string> changed(diff.changed.begin(), diff.changed.end());
    const std::set<std::string> removed(diff.removed.begin(), diff.removed.end());
    struct moved {
        conn_context* c;
        std::string name, sid;
        json filter;
        std::optional<std::int64_t> throttle_asked;
        bool batch;
    };
    std::vector<moved> resubscribe, ended;
    const std::int64_t now = now_ms();
    for (auto it = streams_.begin(); it != streams_.end();) {
        stream& st = *it->second;
        const std::string name = st.sub->name;
        if (!changed.count(name) && !removed.count(name)) {
            st.sub = next.find_subscription(name);  // same definition: the stream carries on
            ++it;
            continue;
        }
        std::vector<conn_context*> members = st.subscribers;
        for (const auto& [sid, cs] : st.sid_subscribers) members.insert(members.end(), cs.begin(), cs.end());
        for (const auto& [ms, g] : st.throttled) {
            members.insert(members.end(), g->subscribers.begin(), g->subscribers.end());
            members.insert(members.end(), g->batch_subscribers.begin(), g->batch_subscribers.end());
            for (const auto& [sid, cs] : g->sid_subscribers) members.insert(members.end(), cs.begin(), cs.end());
            for (const auto& [sid, cs] : g->batch_sid_subscribers) members.insert(members.end(), cs.begin(), cs.end());
        }
        std::sort(members.begin(), members.end());
        members.erase(std::unique(members.begin(), members.end()), members.end());
        for (conn_context* c : members) {
            for (auto s = c->subscriptions.begin(); s != c->subscriptions.end();) {
                if (s->second.st != &st) {
                    ++s;
                    continue;
                }
                (changed.count(name) ? resubscribe : ended).push_back({c, name, s->second.sid, st.filter, s->second.throttle_asked, s->second.batch});
                remove_subscriber(st, *c, s->second, now);
                s = c->subscriptions.erase(s);
            }
        }
        it = drop_stream_locked(it);
    }

    auto end_subscription = [&](const moved& m) {
        sink_.send_to(*m.c, std::make_shared<const std::string>(proto::encode_unsubscribed(nullptr, m.name, m.sid, "spec_changed")));
    };
    for (const auto& m : ended) end_subscription(m);
    for (const auto& m : resubscribe) {
        proto::subscribe_msg sm;
        sm.subscription = m.name;
        sm.filter = m.filter;
        sm.sid = m.sid;
        sm.throttle_ms = m.throttle_asked;
        sm.batch = m.batch;
        // The same checks as a subscribe: rights, the filter under the new attribute types.
        auto sub = check_subscribe_locked(*m.c, sm);
        auto done = sub ? subscribe_locked(*m.c, nullptr, sm, **sub, canonical_filter(next, **sub, sm.filter), "spec_changed")
                        : result<void, protocol_error>(make_unexpected(sub.error()));
        if (done) continue;
        // Refused under the new definition: the error says why, then the subscription ends.
        sink_.send_to(*m.c, std::make_shared<const std::string>(proto::encode_error(
                                nullptr, done.error().code, "subscription '" + m.name + "' ended by a spec reload: " + done.error().message)));
        end_subscription(m);
    }
    evict_idle_locked();
    return msg;
}

}  // namespace rt::server
