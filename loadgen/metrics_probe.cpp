#include "loadgen/metrics_probe.hpp"

#include <cstdlib>

#include "client/http_client.hpp"

namespace rt::loadgen {

std::map<std::string, double> parse_prometheus(std::string_view text) {
    std::map<std::string, double> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        // The value follows the last space (a label value may contain spaces inside quotes,
        // the sample value never does).
        auto sp = line.rfind(' ');
        if (sp == std::string_view::npos || sp == 0) continue;
        std::string value(line.substr(sp + 1));
        char* end = nullptr;
        double v = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') continue;
        out[std::string(line.substr(0, sp))] = v;
    }
    return out;
}

std::optional<server_counters> counters_from(const std::map<std::string, double>& m) {
    auto get = [&](const char* name) -> std::optional<std::uint64_t> {
        auto it = m.find(name);
        if (it == m.end() || it->second < 0) return std::nullopt;
        return static_cast<std::uint64_t>(it->second);
    };
    auto dropped = get("rt_events_dropped_total");
    if (!dropped) return std::nullopt;
    server_counters c;
    c.events_dropped = *dropped;
    c.slow_disconnects = get("rt_slow_consumer_disconnects_total").value_or(0);
    c.rate_limited = get("rt_rate_limited_total").value_or(0);
    return c;
}

std::optional<server_counters> fetch_server_counters(const client::http_url& server, const client::tls_trust& trust,
                                                     std::chrono::milliseconds timeout) {
    // The metrics page is a few KiB (http_exchange refuses a reply over 1 MiB).
    auto reply = client::http_exchange(server, client::http_call{"GET", "/metrics", "", ""}, timeout, trust);
    if (!reply || reply->status != 200) return std::nullopt;
    return counters_from(parse_prometheus(reply->body));
}

}  // namespace rt::loadgen
