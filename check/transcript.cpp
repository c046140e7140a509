#include "check/transcript.hpp"

#include <chrono>

namespace rt::check {

namespace {

constexpr std::size_t max_line_bytes = 2048;

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

transcript::transcript() : start_ms_(now_ms()) {}

void transcript::add(const std::string& conn, bool sent, std::string text) {
    if (text.size() > max_line_bytes) {
        const std::size_t total = text.size();
        text.resize(max_line_bytes);
        text += "... (" + std::to_string(total) + " bytes)";
    }
    lines_.push_back({now_ms() - start_ms_, conn, sent, std::move(text)});
}

std::string transcript::render(std::size_t max_lines) const {
    std::string out;
    const std::size_t skip = lines_.size() > max_lines ? lines_.size() - max_lines : 0;
    if (skip) out += "  ... " + std::to_string(skip) + " earlier frames left out\n";
    for (std::size_t i = skip; i < lines_.size(); ++i) {
        const auto& l = lines_[i];
        out += "  +" + std::to_string(l.at_ms) + "ms " + l.conn + (l.sent ? " > " : " < ") + l.text + "\n";
    }
    return out;
}

nlohmann::json transcript::to_json(std::size_t max_lines) const {
    nlohmann::json a = nlohmann::json::array();
    const std::size_t skip = lines_.size() > max_lines ? lines_.size() - max_lines : 0;
    for (std::size_t i = skip; i < lines_.size(); ++i) {
        const auto& l = lines_[i];
        a.push_back({{"at_ms", l.at_ms}, {"conn", l.conn}, {"dir", l.sent ? "sent" : "received"}, {"frame", l.text}});
    }
    return a;
}

}  // namespace rt::check
