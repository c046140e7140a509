#include "check/case_list.hpp"

#include <cctype>

namespace rt::check {

namespace {

std::string lower_name(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "3.*" matches "3.1"; "3" matches the whole group; "3.2" one case; a name matches its group.
bool matches(const std::string& pattern, const case_group& g, const case_def& c) {
    if (pattern == c.id) return true;
    const std::string num = std::to_string(g.number);
    if (pattern == num || pattern == num + ".*" || lower_name(pattern) == lower_name(g.name)) return true;
    if (pattern == "*") return true;
    return false;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        if (ch == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (ch != ' ') {
            cur += ch;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

}  // namespace

case_group make_group(int number, std::string name, std::string title, std::vector<case_def> cases) {
    case_group g{number, std::move(name), std::move(title), std::move(cases)};
    for (std::size_t i = 0; i < g.cases.size(); ++i) g.cases[i].id = std::to_string(number) + "." + std::to_string(i + 1);
    return g;
}

const std::vector<case_group>& case_groups() {
    static const std::vector<case_group> groups = [] {
        std::vector<case_group> v;
        int n = 0;
        for (auto make : {handshake_cases, snapshot_cases, transition_cases, ordering_cases, resume_cases, error_cases,
                          limit_cases, heartbeat_cases, presence_cases, rights_cases})
            v.push_back(make(++n));
        return v;
    }();
    return groups;
}

result<std::vector<selected_case>, std::string> select_cases(const std::vector<std::string>& patterns) {
    std::vector<std::string> all;
    for (const std::string& p : patterns)
        for (std::string& q : split_commas(p)) all.push_back(std::move(q));
    std::vector<selected_case> out;
    for (const std::string& p : all) {
        bool any = false;
        for (const case_group& g : case_groups())
            for (const case_def& c : g.cases)
                if (matches(p, g, c)) any = true;
        if (!any) return make_unexpected("--case '" + p + "' matches no case (rt check --list shows them)");
    }
    for (const case_group& g : case_groups())
        for (const case_def& c : g.cases) {
            bool take = all.empty();
            for (const std::string& p : all) take = take || matches(p, g, c);
            if (take) out.push_back({&g, &c});
        }
    return out;
}

}  // namespace rt::check
