#include "loadgen/thresholds.hpp"

#include <algorithm>
#include <cstdio>

#include "protocol/units.hpp"

namespace rt::loadgen {

namespace {

struct kind_name {
    threshold_kind kind;
    const char* name;
};
constexpr kind_name k_names[] = {
    {threshold_kind::max_p50, "max-p50"},         {threshold_kind::max_p90, "max-p90"},
    {threshold_kind::max_p99, "max-p99"},         {threshold_kind::max_p999, "max-p999"},
    {threshold_kind::max_latency, "max-latency"}, {threshold_kind::max_loss, "max-loss"},
    {threshold_kind::max_dup, "max-dup"},         {threshold_kind::max_reorder, "max-reorder"},
    {threshold_kind::max_errors, "max-errors"},   {threshold_kind::max_late, "max-late"},
    {threshold_kind::min_conns, "min-conns"},
};

bool is_latency(threshold_kind k) {
    return k == threshold_kind::max_p50 || k == threshold_kind::max_p90 || k == threshold_kind::max_p99 ||
           k == threshold_kind::max_p999 || k == threshold_kind::max_latency;
}

std::string threshold_key(std::string_view name) {
    std::string n(name);
    std::replace(n.begin(), n.end(), '_', '-');
    return n;
}

// A non-negative integer count; no sign, no fraction.
std::optional<std::uint64_t> parse_count(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

// "0.5%" → 0.5; plain decimal digits with at most one '.'.
std::optional<double> parse_percent(std::string_view s) {
    if (s.size() < 2 || s.back() != '%') return std::nullopt;
    s.remove_suffix(1);
    int dots = 0;
    for (char c : s) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return std::nullopt;
    }
    if (dots > 1 || s.front() == '.' || s.back() == '.') return std::nullopt;
    double v = std::stod(std::string(s));
    if (v > 100) return std::nullopt;
    return v;
}

std::string count_text(std::uint64_t v) { return std::to_string(v); }

}  // namespace

std::string_view threshold_name(threshold_kind k) {
    for (const auto& kn : k_names)
        if (kn.kind == k) return kn.name;
    return "?";
}

std::optional<threshold_kind> threshold_from_name(std::string_view name) {
    std::string n = threshold_key(name);
    for (const auto& kn : k_names)
        if (n == kn.name) return kn.kind;
    return std::nullopt;
}

const std::vector<std::string>& threshold_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& kn : k_names) v.emplace_back(kn.name);
        return v;
    }();
    return names;
}

result<void, std::string> threshold_set::set(std::string_view name, std::string_view value) {
    auto kind = threshold_from_name(name);
    if (!kind) {
        std::string all;
        for (const auto& n : threshold_names()) all += (all.empty() ? "" : ", ") + n;
        return make_unexpected("unknown threshold '" + std::string(name) + "' (known: " + all + ")");
    }
    threshold t;
    t.kind = *kind;
    t.text = std::string(value);
    const std::string label(threshold_name(*kind));
    if (is_latency(*kind)) {
        auto d = proto::parse_duration_us(value);
        if (!d) return make_unexpected(label + ": " + d.error());
        t.limit = static_cast<double>(d->count());
    } else if (auto c = parse_count(value)) {
        t.limit = static_cast<double>(*c);
    } else if (auto p = parse_percent(value); p && *kind == threshold_kind::max_loss) {
        t.limit = *p;
        t.percent = true;
    } else {
        return make_unexpected(label + ": expected a whole number" +
                               std::string(*kind == threshold_kind::max_loss ? " or a percentage like 0.1%" : "") +
                               ", got '" + std::string(value) + "'");
    }
    auto it = std::find_if(items_.begin(), items_.end(), [&](const threshold& x) { return x.kind == t.kind; });
    if (it != items_.end()) *it = std::move(t);
    else items_.push_back(std::move(t));
    return {};
}

bool threshold_set::has(threshold_kind k) const {
    return std::any_of(items_.begin(), items_.end(), [&](const threshold& x) { return x.kind == k; });
}

std::vector<threshold_result> threshold_set::evaluate(const threshold_inputs& in) const {
    std::vector<threshold_result> out;
    for (const auto& t : items_) {
        threshold_result r;
        r.name = std::string(threshold_name(t.kind));
        r.limit = t.text;
        r.limit_value = t.limit;
        auto latency = [&](std::int64_t us) {
            r.actual = proto::format_duration_us(static_cast<double>(us));
            r.actual_value = static_cast<double>(us);
            r.unit = "us";
            r.ok = static_cast<double>(us) <= t.limit;
        };
        auto at_most = [&](std::uint64_t v) {
            r.actual = count_text(v);
            r.actual_value = static_cast<double>(v);
            r.ok = static_cast<double>(v) <= t.limit;
        };
        switch (t.kind) {
            case threshold_kind::max_p50: latency(in.p50_us); break;
            case threshold_kind::max_p90: latency(in.p90_us); break;
            case threshold_kind::max_p99: latency(in.p99_us); break;
            case threshold_kind::max_p999: latency(in.p999_us); break;
            case threshold_kind::max_latency: latency(in.max_us); break;
            case threshold_kind::max_loss:
                if (t.percent) {
                    // Nothing expected and nothing lost is 0%; something lost of nothing is 100%.
                    double pct = in.expected ? 100.0 * static_cast<double>(in.lost) / static_cast<double>(in.expected)
                                             : (in.lost ? 100.0 : 0.0);
                    char buf[48];
                    std::snprintf(buf, sizeof buf, "%.4g%% (%llu)", pct, static_cast<unsigned long long>(in.lost));
                    r.actual = buf;
                    r.actual_value = pct;
                    r.unit = "pct";
                    r.ok = pct <= t.limit;
                } else {
                    at_most(in.lost);
                }
                break;
            case threshold_kind::max_dup: at_most(in.duplicated); break;
            case threshold_kind::max_reorder: at_most(in.out_of_order); break;
            case threshold_kind::max_errors: at_most(in.errors); break;
            case threshold_kind::max_late: at_most(in.late); break;
            case threshold_kind::min_conns:
                r.actual = count_text(in.conns);
                r.actual_value = static_cast<double>(in.conns);
                r.ok = static_cast<double>(in.conns) >= t.limit;
                break;
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace rt::loadgen
