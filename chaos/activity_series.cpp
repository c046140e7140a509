#include "chaos/activity_series.hpp"

#include <algorithm>
#include <cassert>

namespace rt::chaos {

std::vector<activity_point> build_activity(const std::vector<subscriber_history>& histories,
                                           const std::vector<outage_span>& outages, std::int64_t start_us,
                                           std::int64_t end_us, std::int64_t bin_us) {
    assert(bin_us > 0);
    std::vector<activity_point> bins;
    if (end_us <= start_us) return bins;
    const auto n = static_cast<std::size_t>((end_us - start_us + bin_us - 1) / bin_us);
    bins.resize(n);
    for (std::size_t i = 0; i < n; ++i) bins[i].t_s = static_cast<double>(i) * static_cast<double>(bin_us) / 1e6;
    auto bin_of = [&](std::int64_t t) -> activity_point* {
        if (t < start_us || t >= end_us) return nullptr;
        return &bins[static_cast<std::size_t>((t - start_us) / bin_us)];
    };
    for (const auto& h : histories) {
        for (const auto& e : h.received) {
            activity_point* b = bin_of(e.at_us);
            if (!b) continue;
            switch (e.from) {
                case delivery_source::live: ++b->live; break;
                case delivery_source::replay: ++b->replayed; break;
                case delivery_source::snapshot: ++b->resyncs; break;
            }
        }
    }
    for (const auto& o : outages) {
        if (activity_point* b = bin_of(o.to_us)) ++b->reconnects;
        for (std::size_t i = 0; i < n; ++i) {
            const std::int64_t bin_end = std::min(end_us, start_us + static_cast<std::int64_t>(i + 1) * bin_us);
            if (o.from_us < bin_end && o.to_us >= bin_end) ++bins[i].cut_off;
        }
    }
    return bins;
}

nlohmann::json to_json(const activity_point& p) {
    return {{"t_s", p.t_s},         {"live", p.live},           {"replayed", p.replayed},
            {"resyncs", p.resyncs}, {"reconnects", p.reconnects}, {"cut_off", p.cut_off}};
}

}  // namespace rt::chaos
