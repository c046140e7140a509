#include "check/check_runner.hpp"

#include <chrono>
#include <exception>

namespace rt::check {

std::string to_string(case_status s) {
    switch (s) {
        case case_status::pass: return "pass";
        case case_status::fail: return "fail";
        case case_status::skip: return "skip";
    }
    return "?";
}

int check_run::count(case_status s) const {
    int n = 0;
    for (const auto& r : results) n += r.status == s;
    return n;
}

check_run run_cases(const check_target& target, const app_shape& shape, const server_info& info,
                    const std::vector<selected_case>& cases, const std::string& run_tag,
                    const std::function<void(const case_result&)>& progress) {
    using clock = std::chrono::steady_clock;
    check_run run;
    run.shape = shape.describe();
    run.info = info;
    const auto t0 = clock::now();
    for (const selected_case& sc : cases) {
        case_result r;
        r.id = sc.def->id;
        r.group = sc.group->title;
        r.title = sc.def->title;
        r.section = sc.def->section;
        transcript log;
        const auto c0 = clock::now();
        {
            std::string tag = run_tag + "-" + r.id;
            for (char& ch : tag)
                if (ch == '.') ch = '_';
            case_context ctx(target, shape, info, tag, log);
            try {
                sc.def->run(ctx);
                r.status = case_status::pass;
            } catch (const case_failed& f) {
                r.status = case_status::fail;
                r.reason = f.why;
            } catch (const case_skipped& s) {
                r.status = case_status::skip;
                r.reason = s.why;
            } catch (const std::exception& e) {
                r.status = case_status::fail;
                r.reason = std::string("a message did not have the shape docs/protocol.md gives it: ") + e.what();
            }
        }  // the context deletes the case's rows here
        r.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - c0).count();
        if (r.status == case_status::fail) {
            r.transcript_text = log.render();
            r.transcript = log.to_json();
        }
        if (progress) progress(r);
        run.results.push_back(std::move(r));
    }
    run.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count();
    return run;
}

}  // namespace rt::check
