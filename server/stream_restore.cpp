#include "server/stream_restore.hpp"

#include <string>

namespace rt::server {

std::vector<std::unique_ptr<stream>> restore_streams(const spec::app& app, std::vector<store::stored_stream> stored,
                                                     const proto::replay_limits& limits, std::int64_t now_ms) {
    std::vector<std::unique_ptr<stream>> out;
    for (auto& s : stored) {
        auto sep = s.key.find('\x1f');
        if (sep == std::string::npos) continue;
        const spec::subscription* sub = app.find_subscription(s.key.substr(0, sep));
        nlohmann::json filter = nlohmann::json::parse(s.key.substr(sep + 1), nullptr, false);
        if (!sub || filter.is_discarded() || !filter.is_object()) continue;
        std::vector<proto::replay_entry> persisted;
        persisted.reserve(s.events.size());
        for (auto& ev : s.events)
            persisted.push_back({ev.seq, ev.ts_ms, std::make_shared<const std::string>(std::move(ev.frame))});
        auto st = std::make_unique<stream>(stream{
            s.key, sub, filter, {}, proto::stream_history::restore(s.epoch, s.top_seq, std::move(persisted), limits), {}, {},
            now_ms});
        for (auto it = filter.begin(); it != filter.end(); ++it) st->filter_keys.push_back(it.key());
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace rt::server
