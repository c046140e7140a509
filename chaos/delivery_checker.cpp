#include "chaos/delivery_checker.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "protocol/stream_key.hpp"

namespace rt::chaos {
namespace {

using stream_events = std::map<std::uint64_t, const published_event*>;  // seq → event

// Per-stream expectation of one subscriber.
struct stream_state {
    std::uint64_t base = 0;       // responsible for seqs > base
    std::uint64_t max_seen = 0;   // highest seq delivered since base
    std::set<std::uint64_t> seen;  // seqs delivered since base
    std::string epoch;
    bool had_snapshot = false;
};

class subscriber_checker {
public:
    subscriber_checker(const std::map<std::string, stream_events>& published, std::size_t max_examples)
        : published_(published), max_examples_(max_examples) {}

    subscriber_report run(const subscriber_history& sub) {
        report_.subscriber = sub.subscriber;
        bool explicit_streams = !sub.streams.empty();
        for (const auto& s : sub.streams) streams_[s];
        for (const auto& ev : sub.received) {
            auto it = streams_.find(ev.stream);
            if (it == streams_.end()) {
                if (explicit_streams) {
                    add("unexpected", ev.stream, ev.seq, "event on a stream it did not subscribe to");
                    continue;
                }
                it = streams_.emplace(ev.stream, stream_state{}).first;
            }
            if (ev.from == delivery_source::snapshot) on_snapshot(ev, it->second);
            else on_event(ev, it->second);
        }
        for (auto& [name, st] : streams_) finish(name, st);
        return std::move(report_);
    }

private:
    void add(const char* kind, const std::string& stream, std::uint64_t seq, std::string detail) {
        auto& c = report_.counts;
        std::string_view k = kind;
        std::uint64_t& counter = k == "lost" ? c.lost : k == "duplicated" ? c.duplicated
                               : k == "out_of_order" ? c.out_of_order : c.unexpected;
        ++counter;
        if (counter <= max_examples_)
            report_.examples.push_back(delivery_violation{kind, proto::stream_label(stream), seq, std::move(detail)});
    }

    const stream_events* events_of(const std::string& stream) const {
        auto it = published_.find(stream);
        return it == published_.end() ? nullptr : &it->second;
    }

    // Reports published seqs in (st.base, upto] that were never delivered.
    void report_holes(const std::string& stream, const stream_state& st, std::uint64_t upto, const char* why) {
        const stream_events* events = events_of(stream);
        if (!events) return;
        for (auto it = events->upper_bound(st.base); it != events->end() && it->first <= upto; ++it)
            if (!st.seen.count(it->first)) add("lost", stream, it->first, "key " + it->second->key + ": " + why);
    }

    void on_snapshot(const received_event& ev, stream_state& st) {
        // Holes that a delivered event jumped over were applied out of order: a snapshot does not excuse them.
        report_holes(ev.stream, st, std::min(st.max_seen, ev.seq), "skipped before a resync");
        if (st.had_snapshot) ++report_.counts.resyncs;
        st.had_snapshot = true;
        st.base = ev.seq;
        st.max_seen = ev.seq;
        st.seen.clear();
        st.epoch = ev.epoch;
    }

    void on_event(const received_event& ev, stream_state& st) {
        auto& c = report_.counts;
        ++c.received;
        if (ev.from == delivery_source::replay) ++c.replayed;
        else ++c.live;

        if (!st.epoch.empty() && ev.epoch != st.epoch) {
            add("unexpected", ev.stream, ev.seq, "epoch changed from " + st.epoch + " to " + ev.epoch + " without a snapshot");
        }
        st.epoch = ev.epoch;

        const stream_events* events = events_of(ev.stream);
        const published_event* pub = nullptr;
        if (events) {
            auto it = events->find(ev.seq);
            if (it != events->end()) pub = it->second;
        }
        if (!pub) {
            add("unexpected", ev.stream, ev.seq, "seq " + std::to_string(ev.seq) + " was never published on this stream");
            return;
        }
        if (pub->key != ev.key) {
            add("unexpected", ev.stream, ev.seq, "key " + ev.key + " differs from the published " + pub->key);
            return;
        }
        if (ev.seq <= st.base) {
            add("duplicated", ev.stream, ev.seq, "key " + ev.key + " was already covered by the snapshot at seq " +
                                                 std::to_string(st.base));
            return;
        }
        if (st.seen.count(ev.seq)) {
            add("duplicated", ev.stream, ev.seq, "key " + ev.key + " delivered again");
            return;
        }
        if (ev.seq < st.max_seen) {
            add("out_of_order", ev.stream, ev.seq, "key " + ev.key + " arrived after seq " + std::to_string(st.max_seen));
        }
        st.seen.insert(ev.seq);
        st.max_seen = std::max(st.max_seen, ev.seq);
    }

    void finish(const std::string& stream, const stream_state& st) {
        const stream_events* events = events_of(stream);
        if (!events || events->empty()) return;
        report_holes(stream, st, events->rbegin()->first, "never delivered");
    }

    const std::map<std::string, stream_events>& published_;
    std::size_t max_examples_;
    std::map<std::string, stream_state> streams_;
    subscriber_report report_;
};

std::map<std::string, stream_events> index_published(const std::vector<published_event>& published) {
    std::map<std::string, stream_events> out;
    for (const auto& ev : published) out[ev.stream].emplace(ev.seq, &ev);  // first wins on a repeated seq
    return out;
}

void add_counts(delivery_counts& into, const delivery_counts& c) {
    into.lost += c.lost;
    into.duplicated += c.duplicated;
    into.out_of_order += c.out_of_order;
    into.unexpected += c.unexpected;
    into.received += c.received;
    into.live += c.live;
    into.replayed += c.replayed;
    into.resyncs += c.resyncs;
}

}  // namespace

subscriber_report check_subscriber(const std::vector<published_event>& published, const subscriber_history& sub,
                                   std::size_t max_examples_per_kind) {
    auto index = index_published(published);
    return subscriber_checker(index, max_examples_per_kind).run(sub);
}

delivery_report check_delivery(const std::vector<published_event>& published,
                               const std::vector<subscriber_history>& subscribers, std::size_t max_examples_per_kind) {
    auto index = index_published(published);
    delivery_report report;
    for (const auto& sub : subscribers) {
        report.subscribers.push_back(subscriber_checker(index, max_examples_per_kind).run(sub));
        add_counts(report.totals, report.subscribers.back().counts);
    }
    return report;
}

nlohmann::json to_json(const delivery_counts& c) {
    return nlohmann::json{{"lost", c.lost},         {"duplicated", c.duplicated}, {"out_of_order", c.out_of_order},
                          {"unexpected", c.unexpected}, {"violations", c.violations()}, {"received", c.received},
                          {"live", c.live},         {"replayed", c.replayed},     {"resyncs", c.resyncs}};
}

nlohmann::json to_json(const subscriber_report& r) {
    return nlohmann::json{{"subscriber", r.subscriber}, {"ok", r.ok()}, {"counts", to_json(r.counts)},
                          {"examples", r.examples}};
}

nlohmann::json to_json(const delivery_report& r) {
    auto subs = nlohmann::json::array();
    for (const auto& s : r.subscribers) subs.push_back(to_json(s));
    return nlohmann::json{{"ok", r.ok()}, {"totals", to_json(r.totals)}, {"subscribers", subs}};
}

}  // namespace rt::chaos
