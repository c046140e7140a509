#pragma once
// The ids rt's reconnecting client (client_session) gives its requests, so that a reply — above
// all an error — says which subscription it is about. On the wire an id is any JSON value, echoed
// by the server (docs/protocol.md "Request ids"); this scheme writes "sub:KEY" on a subscribe and
// "unsub:KEY" on an unsubscribe, KEY being the subscription's sid, else its name. Only this file
// knows that text: everyone else handles request_id values.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rt::proto {

enum class request_kind { subscribe, unsubscribe };

struct request_id {
    request_kind kind = request_kind::subscribe;
    std::string key;  // the subscription's key in client_session: sid, else name
    bool operator==(const request_id& o) const { return kind == o.kind && key == o.key; }
};

// The id as sent: "sub:KEY" or "unsub:KEY".
nlohmann::json to_wire(const request_id& id);
// The request an echoed id names; nullopt for an id this scheme did not write (another client's,
// a number, null).
std::optional<request_id> request_id_from_wire(const nlohmann::json& id);

}  // namespace rt::proto
