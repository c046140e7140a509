#pragma once
// Everything `rt check` needs before its first case: the URL taken apart, the app's spec (a file,
// GET /api/_spec, or the built-in check spec) and its shape, and what the server announces in
// GET /api/_info (limits and features; a server without it has those cases skipped).
#include <string>

#include "check/app_shape.hpp"
#include "check/case_context.hpp"

namespace rt::check {

struct check_inputs {
    check_target target;
    app_shape shape;
    server_info info;
    std::string spec_source;  // "GET /api/_spec", "the check spec", or the file
};

struct setup_error {
    bool usage = true;  // true: a flag or the spec is wrong (exit 2); false: the server could not be reached (exit 2 too, other words)
    std::string message;
};

// `spec`: a file, "server" (GET /api/_spec) or "check" (check_spec_text()). `limited_token`: a
// second token with fewer rights, for the rights cases ("" : they are skipped).
result<check_inputs, setup_error> prepare_check(const std::string& url, const std::string& token, const std::string& spec,
                                                ms step_timeout, const std::string& limited_token = {});

// The minimal app every case can run on; a server under test that serves no spec of its own may
// load it (`rt check --print-spec > check.spec`). docs/check.md shows it.
const std::string& check_spec_text();

}  // namespace rt::check
