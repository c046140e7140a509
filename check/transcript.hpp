#pragma once
// What a case sent and received, in order, for the report of a failure: one line per frame or
// handshake, with the time since the case started and which connection ("A", "B", "pub").
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::check {

struct transcript_line {
    std::int64_t at_ms = 0;  // since the case started
    std::string conn;        // "A", "B", "pub", "http"
    bool sent = false;       // true: client → server
    std::string text;        // a text frame as is (cut at 2 KiB); other frames as "[ping, 4 bytes]"
};

class transcript {
public:
    transcript();
    void add(const std::string& conn, bool sent, std::string text);
    const std::vector<transcript_line>& lines() const { return lines_; }
    // "  +12ms A > {...}" lines, the last `max_lines` of them (a marker says how many were left out).
    std::string render(std::size_t max_lines = 60) const;
    nlohmann::json to_json(std::size_t max_lines = 60) const;

private:
    std::int64_t start_ms_;
    std::vector<transcript_line> lines_;
};

}  // namespace rt::check
