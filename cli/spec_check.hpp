#pragma once
// Checking a spec (and a tokens file against it) without serving it: `rt spec check` and the
// older `rt serve --check` share this, and differ only in the name they print.
#include <string>

namespace rt::cli {

// Parses the spec at `spec_path` and prints its summary (spec::describe) on stdout; with
// `tokens_path`, also checks that tokens file against it. Errors go to stderr as
// FILE:LINE:COL: error: ..., then "<command>: N error(s) in FILE". `command` names the caller in
// its lines ("rt spec check", "rt serve --check"). Returns 0 when valid, 1 when not.
int check_spec_file(const char* command, const std::string& spec_path, const std::string& tokens_path);

}  // namespace rt::cli
