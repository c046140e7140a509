#include "server/log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace rt::server {

namespace {
std::atomic<int> g_level{static_cast<int>(log_level::info)};
std::mutex g_mu;
const char* name(log_level l) {
    switch (l) {
        case log_level::debug: return "debug";
        case log_level::info: return "info";
        case log_level::warn: return "warn";
        case log_level::error: return "error";
        default: return "";
    }
}

bool is_c1_at(std::string_view s, std::size_t i) {
    return static_cast<unsigned char>(s[i]) == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
           static_cast<unsigned char>(s[i + 1]) <= 0x9f;
}
bool is_c0_or_del(unsigned char c) { return c < 0x20 || c == 0x7f; }
}  // namespace

std::optional<log_level> parse_log_level(std::string_view s) {
    for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error, log_level::off}) {
        if (s == (l == log_level::off ? "off" : name(l))) return l;
    }
    return std::nullopt;
}

void set_log_level(log_level l) { g_level = static_cast<int>(l); }
bool log_enabled(log_level l) { return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed); }

void log_line(log_level l, const std::string& text) {
    if (!log_enabled(l)) return;
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t t = system_clock::to_time_t(now);
    int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[32];
    std::strftime(ts, sizeof ts, "%H:%M:%S", &tm);
    std::lock_guard<std::mutex> lock(g_mu);
    std::fprintf(stderr, "%s.%03dZ %-5s %s\n", ts, ms, name(l), text.c_str());
}

std::string log_text(std::string_view s, std::size_t max_chars, text_escape escape) {
    const bool ascii = escape == text_escape::ascii_only;
    std::string out;
    out.reserve(std::min(s.size(), max_chars) + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= max_chars) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        const bool c1 = !ascii && is_c1_at(s, i);
        if (!c1 && !is_c0_or_del(c) && !(ascii && (c >= 0x7f || c == '\\'))) {
            out.push_back(s[i]);
            continue;
        }
        for (std::size_t k = 0; k < (c1 ? 2u : 1u); ++k) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i + k]));
            out += buf;
        }
        i += c1 ? 1 : 0;
    }
    return out;
}

bool has_control_char(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (is_c0_or_del(static_cast<unsigned char>(s[i])) || is_c1_at(s, i)) return true;
    return false;
}

}  // namespace rt::server
