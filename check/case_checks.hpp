#pragma once
// Checks several cases share: the shape of a `subscribed` reply and of an `event`, as
// docs/protocol.md §5 gives them. Each fails the case naming the field.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rt::check {

// `r` is a fresh-start `subscribed` of `subscription`: epoch a non-empty string, seq an integer
// ≥ 0, recovered false, initial an array of objects. Returns seq.
std::uint64_t check_fresh_subscribed(const nlohmann::json& r, const std::string& subscription);
// `e` is an event of `subscription` with `operation` in `epoch` at `seq`: ts an integer, no id.
void check_event(const nlohmann::json& e, const std::string& subscription, const std::string& operation,
                 const std::string& epoch, std::uint64_t seq);
// The ids of the rows in `initial`, sorted.
std::vector<std::string> row_ids(const nlohmann::json& rows);
// `got` equals `want` as rows (same keys and values; key order and 2 vs 2.0 aside).
void check_same_row(const nlohmann::json& got, const nlohmann::json& want, const std::string& what);
// `m` is an event of `subscription` (and, when `sid` is given, of that sid).
bool is_event_of(const nlohmann::json& m, const std::string& subscription, const std::string& sid = {});

}  // namespace rt::check
