#pragma once
// How many times `what` occurs in `text` (non-overlapping): for tests that count the elements
// of a rendered page or chart.
#include <cstddef>
#include <string>

namespace rt::test {

inline std::size_t count_occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

}  // namespace rt::test
