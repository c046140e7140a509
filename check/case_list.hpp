#pragma once
// The conformance cases, numbered and grouped like Autobahn|Testsuite's: "2.3" is case 3 of group
// 2. Each cites the section of docs/protocol.md whose rule it checks. A case is a function that
// runs its steps against the server through a case_context (case_outcome.hpp says how it ends).
#include <string>
#include <vector>

#include "check/case_context.hpp"

namespace rt::check {

struct case_def {
    std::string id;       // "2.3"
    std::string title;    // the rule, in a line: "events continue the snapshot: seq = subscribed.seq + 1"
    std::string section;  // "§8 Subscribing fresh: the atomic snapshot"
    void (*run)(case_context&) = nullptr;
};

struct case_group {
    int number = 0;
    std::string name;  // "resume"
    std::string title; // "Resume with since"
    std::vector<case_def> cases;  // ids "<number>.1", "<number>.2", ...
};

// Every group, in order. Built once.
const std::vector<case_group>& case_groups();

// The groups, one function each (check/cases_<name>.cpp); `number` is the group's number.
case_group handshake_cases(int number);
case_group snapshot_cases(int number);
case_group transition_cases(int number);
case_group ordering_cases(int number);
case_group resume_cases(int number);
case_group error_cases(int number);
case_group limit_cases(int number);
case_group heartbeat_cases(int number);
case_group presence_cases(int number);
case_group rights_cases(int number);

// Numbers a group's cases "<number>.1", "<number>.2", ... in the order given.
case_group make_group(int number, std::string name, std::string title, std::vector<case_def> cases);

struct selected_case {
    const case_group* group = nullptr;
    const case_def* def = nullptr;
};

// The cases matching any of `patterns` ("3.2", "3.*", "3", "resume"; a comma-separated list in one
// pattern too), in suite order; every case when `patterns` is empty. The error names a pattern
// that matches nothing.
result<std::vector<selected_case>, std::string> select_cases(const std::vector<std::string>& patterns);

}  // namespace rt::check
