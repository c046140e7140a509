#pragma once
// What one committed change looks like between the nodes of a --broker cluster (the global change
// log `rt:log` and the channel `rt:changes` carry the same text). Pure: no I/O.
//
//   G|LOG_EPOCH|ASSIGNED|BODY
//
// G is the change's place in the global order (1, 2, ...), LOG_EPOCH names the Redis data set the
// order belongs to, ASSIGNED has one item per event slot of BODY, separated by ',': "EPOCH:SEQ" —
// the stream's epoch and the seq the commit script gave the event — or "-" when no node holds that
// stream (no event). The publishing node writes BODY, JSON: {"e":entity,"i":id,"b":row before or
// null,"a":row after or null,"t":ts_ms,"k":[[stream key, "insert"|"update"|"delete"], ...]}; the
// commit script (redis_scripts.cpp) writes the rest around it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::server {

// One event a change may produce: on this stream, with this operation (its view's transition).
struct change_slot {
    std::string stream_key;
    proto::operation op = proto::operation::update;
};

// BODY, from the rows already serialized ("" for none: an insert has no row before, a delete none
// after). The rows are put in as they are (they are JSON).
std::string encode_change_body(const std::string& entity, const std::string& id, std::string_view before_json,
                               std::string_view after_json, std::int64_t ts_ms, const std::vector<change_slot>& slots);

// A slot's outcome in the commit script.
struct slot_position {
    bool present = false;  // false: no node held the stream, no event
    proto::stream_position pos;
};

struct change_message {
    std::uint64_t g = 0;
    std::string log_epoch;
    std::string entity, id;
    std::optional<nlohmann::json> before, after;
    std::string before_json, after_json;  // the rows as serialized here ("" for none)
    std::int64_t ts_ms = 0;
    std::vector<change_slot> slots;
    std::vector<slot_position> assigned;  // one per slot
    // The data of slot i's event: the row before the change for a delete (the stream's audience
    // was entitled to that row, not its new contents), else the row after.
    const std::string& data_of(std::size_t i) const {
        return slots[i].op == proto::operation::remove ? before_json : after_json;
    }
};

// Parses one message; the error says what was wrong with it.
result<change_message, std::string> decode_change_message(std::string_view text);

// Only the header's G and LOG_EPOCH (cheap: no JSON), or nullopt when it has no valid header.
std::optional<std::pair<std::uint64_t, std::string>> change_message_order(std::string_view text);

}  // namespace rt::server
