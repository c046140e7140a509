#pragma once
// Pacing a case's changes to the server's announced change budget (docs/protocol.md §12): with a
// token, every publish of the whole run (each case's cleanup included) draws from one bucket per
// token, refilling at rate_per_s up to rate_burst, so a case that starts right after a busy one
// could find it empty and be answered RATE_LIMITED for no fault of the server.
#include "check/case_context.hpp"

namespace rt::check {

// Call before a case makes its first change, with every change it will make (cleanup included).
// skip() when `changes` exceed the announced rate_burst (no wait could make room). With a token,
// waits changes / rate_per_s: a bucket that takes nothing from refused requests then holds
// `changes` whatever earlier cases spent. Without a token (each connection has a budget of its
// own, and a case's connections are new) or without an announced rate, returns at once.
void reserve_changes(case_context& c, int changes);

}  // namespace rt::check
