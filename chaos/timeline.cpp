#include "chaos/timeline.hpp"

#include <algorithm>
#include <cctype>

#include "chaos/units.hpp"

namespace rt::chaos {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string step_where(const timeline_step_text& step) {
    return "schedule step " + std::to_string(step.number) + " (\"" + std::string(step.text) + "\"): ";
}

result<std::vector<timeline_step_text>, std::string> split_timeline(std::string_view text) {
    std::vector<timeline_step_text> steps;
    while (!text.empty()) {
        std::size_t cut = text.find_first_of(";\n");
        std::string_view part = trim(text.substr(0, cut));
        text = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
        if (part.empty()) continue;
        timeline_step_text step;
        step.number = steps.size() + 1;
        step.text = part;
        std::size_t sp = part.find_first_of(" \t");
        if (sp == std::string_view::npos)
            return make_unexpected(step_where(step) + "expected \"OFFSET FAULT\", e.g. \"5s blackhole\"");
        auto at = parse_duration_ms(part.substr(0, sp));
        if (!at) return make_unexpected(step_where(step) + at.error());
        step.at_ms = *at;
        step.action = trim(part.substr(sp + 1));
        steps.push_back(step);
    }
    return steps;
}

result<std::vector<timeline_step>, std::string> parse_timeline(std::string_view text) {
    auto split = split_timeline(text);
    if (!split) return make_unexpected(split.error());
    std::vector<timeline_step> steps;
    for (const auto& s : *split) {
        auto cmd = parse_fault(s.action);
        if (!cmd) return make_unexpected(step_where(s) + cmd.error());
        steps.push_back(timeline_step{s.at_ms, std::move(*cmd)});
    }
    std::stable_sort(steps.begin(), steps.end(),
                     [](const timeline_step& a, const timeline_step& b) { return a.at_ms < b.at_ms; });
    return steps;
}

nlohmann::json to_json(const timeline_step& step) {
    return nlohmann::json{{"at_ms", step.at_ms.count()},
                          {"fault", step.command.heal ? std::string("heal") : to_spec(step.command.f)}};
}

}  // namespace rt::chaos
