#pragma once
// The name of one stream: a subscription with one filter. The server keys its streams (and their
// rows in SQLite, so the text must stay stable across versions) by it, and the chaos checker keys
// its per-stream bookkeeping by it, so both ends count the same streams the same way.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rt::proto {

// SUBSCRIPTION, the unit separator (0x1f), then the filter's JSON text ("{}" when the filter is
// not an object). nlohmann::json objects keep their keys sorted, so equal filters give equal
// keys; the server passes its canonical filter (values normalized to the attributes' types).
std::string stream_key(std::string_view subscription, const nlohmann::json& filter);

// A key split back into what stream_key joined: the subscription and the filter (an object).
// nullopt when there is no separator or the rest is not a JSON object (a key from elsewhere).
struct stream_key_parts {
    std::string subscription;
    nlohmann::json filter;
};
std::optional<stream_key_parts> split_stream_key(std::string_view key);

// The key for people to read: the separator dropped, `TaskUpdates{"board":"b7"}`. Text without
// the separator comes back unchanged.
std::string stream_label(std::string_view key);

}  // namespace rt::proto
