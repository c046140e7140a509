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
}  // namespace

bool parse_log_level(std::string_view s, log_level& out) {
    for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error, log_level::off}) {
        if (s == (l == log_level::off ? "off" : name(l))) { out = l; return true; }
    }
    return false;
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

std::string log_text(std::string_view s, std::size_t max_chars) {
    std::string out;
    out.reserve(std::min(s.size(), max_chars) + 8);
    for (char ch : s) {
        if (out.size() >= max_chars) {
            out += "...";
            break;
        }
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

}  // namespace rt::server
