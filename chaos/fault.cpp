#include "chaos/fault.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "chaos/units.hpp"

namespace rt::chaos {
namespace {

// splitmix64: a well-mixed 64-bit hash, enough to spread connection numbers evenly.
std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        std::size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

// Same quoting as protocol/units.hpp, so every message names tokens alike.
std::string quote_token(std::string_view s) { return "\"" + std::string(s) + "\""; }

result<double, std::string> parse_fraction(std::string_view s) {
    std::string text(s);
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0.0 || v > 1.0)
        return make_unexpected("bad fraction " + quote_token(s) + " (expected a number from 0 to 1)");
    return v;
}

result<std::uint64_t, std::string> parse_seed(std::string_view s) {
    std::string text(s);
    char* end = nullptr;
    unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || end != text.c_str() + text.size())
        return make_unexpected("bad seed " + quote_token(s) + " (expected a non-negative integer)");
    return static_cast<std::uint64_t>(v);
}

}  // namespace

std::string_view to_string(fault_kind k) {
    switch (k) {
    case fault_kind::blackhole: return "blackhole";
    case fault_kind::reset: return "reset";
    case fault_kind::refuse: return "refuse";
    case fault_kind::latency: return "latency";
    case fault_kind::bandwidth: return "bandwidth";
    }
    return "?";
}

std::string_view to_string(direction d) {
    switch (d) {
    case direction::up: return "up";
    case direction::down: return "down";
    case direction::both: return "both";
    }
    return "?";
}

std::optional<fault_kind> fault_kind_from_string(std::string_view s) {
    for (auto k : {fault_kind::blackhole, fault_kind::reset, fault_kind::refuse, fault_kind::latency,
                   fault_kind::bandwidth})
        if (to_string(k) == s) return k;
    return std::nullopt;
}

std::optional<direction> direction_from_string(std::string_view s) {
    for (auto d : {direction::up, direction::down, direction::both})
        if (to_string(d) == s) return d;
    return std::nullopt;
}

bool covers(direction fault_dir, direction flow) { return fault_dir == direction::both || fault_dir == flow; }

bool selects(const fault& f, std::uint64_t conn_no) {
    if (f.fraction >= 1.0) return true;
    if (f.fraction <= 0.0) return false;
    // Top 53 bits as a uniform double in [0, 1).
    double u = static_cast<double>(mix64(f.seed ^ mix64(conn_no)) >> 11) * 0x1.0p-53;
    return u < f.fraction;
}

result<fault_command, std::string> parse_fault(std::string_view spec) {
    auto words = split_words(spec);
    if (words.empty()) return make_unexpected(std::string("empty fault spec (expected e.g. \"blackhole\" or \"heal\")"));
    fault_command cmd;
    if (words[0] == "heal") {
        if (words.size() > 1) return make_unexpected("unexpected token " + quote_token(words[1]) + " after \"heal\"");
        cmd.heal = true;
        return cmd;
    }
    auto kind = fault_kind_from_string(words[0]);
    if (!kind)
        return make_unexpected("unknown fault " + quote_token(words[0]) +
                               " (expected blackhole, reset, refuse, latency, bandwidth or heal)");
    fault& f = cmd.f;
    f.kind = *kind;
    std::size_t i = 1;
    if (f.kind == fault_kind::latency) {
        if (i >= words.size()) return make_unexpected(std::string("\"latency\" needs a duration, e.g. \"latency 200ms\""));
        auto d = parse_duration_ms(words[i]);
        if (!d) return make_unexpected("after \"latency\": " + d.error());
        f.latency_ms = *d;
        ++i;
    } else if (f.kind == fault_kind::bandwidth) {
        if (i >= words.size()) return make_unexpected(std::string("\"bandwidth\" needs a rate, e.g. \"bandwidth 10KiB/s\""));
        auto r = parse_rate_bytes_per_s(words[i]);
        if (!r) return make_unexpected("after \"bandwidth\": " + r.error());
        f.bytes_per_s = *r;
        ++i;
    }
    bool has_direction = false;
    for (; i < words.size(); ++i) {
        std::string_view w = words[i];
        if (auto d = direction_from_string(w)) {
            if (has_direction) return make_unexpected("direction given twice: " + quote_token(w));
            if (f.kind == fault_kind::reset || f.kind == fault_kind::refuse) {
                if (*d != direction::both)
                    return make_unexpected("direction " + quote_token(w) + " does not apply to " +
                                           quote_token(to_string(f.kind)) + " (it acts on whole connections)");
            }
            f.dir = *d;
            has_direction = true;
            continue;
        }
        bool takes_value = (w == "fraction" || w == "seed" || (w == "jitter" && f.kind == fault_kind::latency));
        if (!takes_value) return make_unexpected("unexpected token " + quote_token(w) +
                                   " in fault spec (expected up, down, both, fraction F, seed N" +
                                   (f.kind == fault_kind::latency ? ", jitter D)" : ")"));
        if (i + 1 >= words.size()) return make_unexpected(quote_token(w) + " needs a value");
        std::string_view v = words[++i];
        if (w == "fraction") {
            auto fr = parse_fraction(v);
            if (!fr) return make_unexpected(fr.error());
            f.fraction = *fr;
        } else if (w == "seed") {
            auto s = parse_seed(v);
            if (!s) return make_unexpected(s.error());
            f.seed = *s;
        } else {
            auto d = parse_duration_ms(v);
            if (!d) return make_unexpected("after \"jitter\": " + d.error());
            f.jitter_ms = *d;
        }
    }
    return cmd;
}

result<fault_command, std::string> parse_fault_json(const nlohmann::json& j) {
    if (!j.is_object()) return make_unexpected(std::string("expected a JSON object like {\"fault\":\"blackhole\"}"));
    for (const auto& [name, value] : j.items()) {
        (void)value;
        if (name != "fault" && name != "direction" && name != "fraction" && name != "seed")
            return make_unexpected("unknown field " + quote_token(name) + " (expected fault, direction, fraction, seed)");
    }
    auto it = j.find("fault");
    if (it == j.end() || !it->is_string())
        return make_unexpected(std::string("field \"fault\" must be a string such as \"latency 200ms\""));
    auto cmd = parse_fault(it->get<std::string>());
    if (!cmd) return cmd;
    if (cmd->heal) {
        if (j.size() > 1) return make_unexpected(std::string("\"heal\" takes no other fields"));
        return cmd;
    }
    fault& f = cmd->f;
    if (auto d = j.find("direction"); d != j.end()) {
        auto dir = d->is_string() ? direction_from_string(d->get<std::string>()) : std::nullopt;
        if (!dir) return make_unexpected("field \"direction\" must be \"up\", \"down\" or \"both\", not " + d->dump());
        if ((f.kind == fault_kind::reset || f.kind == fault_kind::refuse) && *dir != direction::both)
            return make_unexpected("direction " + d->dump() + " does not apply to " + quote_token(to_string(f.kind)) +
                                   " (it acts on whole connections)");
        f.dir = *dir;
    }
    if (auto fr = j.find("fraction"); fr != j.end()) {
        if (!fr->is_number() || fr->get<double>() < 0.0 || fr->get<double>() > 1.0)
            return make_unexpected("field \"fraction\" must be a number from 0 to 1, not " + fr->dump());
        f.fraction = fr->get<double>();
    }
    if (auto sd = j.find("seed"); sd != j.end()) {
        if (!sd->is_number_unsigned()) return make_unexpected("field \"seed\" must be a non-negative integer, not " + sd->dump());
        f.seed = sd->get<std::uint64_t>();
    }
    return cmd;
}

std::string to_spec(const fault& f) {
    std::string s(to_string(f.kind));
    if (f.kind == fault_kind::latency) {
        s += " " + format_duration(f.latency_ms);
        if (f.jitter_ms.count() > 0) s += " jitter " + format_duration(f.jitter_ms);
    } else if (f.kind == fault_kind::bandwidth) {
        s += " " + std::to_string(f.bytes_per_s) + "B/s";
    }
    if (f.dir != direction::both) s += " " + std::string(to_string(f.dir));
    if (f.fraction < 1.0) {
        nlohmann::json j = f.fraction;  // shortest round-trip text for the double
        s += " fraction " + j.dump();
    }
    if (f.seed != 0) s += " seed " + std::to_string(f.seed);
    return s;
}

nlohmann::json to_json(const fault& f) {
    nlohmann::json j{{"fault", std::string(to_string(f.kind))},
                     {"direction", std::string(to_string(f.dir))},
                     {"fraction", f.fraction},
                     {"seed", f.seed},
                     {"spec", to_spec(f)}};
    if (f.kind == fault_kind::latency) {
        j["latency_ms"] = f.latency_ms.count();
        j["jitter_ms"] = f.jitter_ms.count();
    }
    if (f.kind == fault_kind::bandwidth) j["bytes_per_s"] = f.bytes_per_s;
    return j;
}

std::string_view fault_syntax_help() {
    return "Fault syntax: KIND [ARG] [up|down|both] [fraction F] [seed N]\n"
           "  blackhole                 keep connections open, silently drop bytes\n"
           "  reset                     RST every current connection (one-shot)\n"
           "  refuse                    accept then RST every new connection\n"
           "  latency 200ms [jitter 50ms]\n"
           "                            delay each chunk, order preserved\n"
           "  bandwidth 10KiB/s         throttle each connection, per direction\n"
           "  heal                      clear every fault\n"
           "  up = client->server, down = server->client, both (default)\n"
           "  fraction 0..1 picks that share of connections by a seeded hash of the\n"
           "  connection number (default 1 = all)\n";
}

}  // namespace rt::chaos
