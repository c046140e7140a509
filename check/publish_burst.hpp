#pragma once
// Several publishes of one operation sent back to back on one connection (pipelined: none waits
// for the reply to the one before), then every reply awaited. For cases whose rule is about
// changes that follow each other closely: commit order, replay of what a client missed.
#include <vector>

#include <nlohmann/json.hpp>

#include "check/case_context.hpp"

namespace rt::check {

// Sends one `publish` of `operation` per element of `data` on `p`, in order, and returns the
// `published` replies' data in the same order; fail() when one is answered otherwise. Inserted
// rows are deleted when the case ends. The caller keeps the burst inside the server's rate limits
// (100 msg/s, bursts of 200, by default).
std::vector<nlohmann::json> publish_burst(case_context& c, check_peer& p, const std::string& operation,
                                          const std::vector<nlohmann::json>& data);

}  // namespace rt::check
