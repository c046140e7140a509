#pragma once
// The payload schema of every message in the AsyncAPI document (asyncapi.hpp), one function per
// message of docs/protocol.md §4/§5. asyncapi.cpp places them in channels, messages and
// operations; the entity-derived and shared schemas they point at are asyncapi_schemas.hpp's.
// Private to asyncapi.cpp and its tests.
//
// Client messages refuse unknown fields (additionalProperties: false), as the server does; server
// messages may grow within v1 (docs/protocol.md, Versioning), so theirs stay open.
#include "protocol/asyncapi_schemas.hpp"
#include "protocol/spec.hpp"

namespace rt::spec::asyncapi {

// ---- one subscription's channel: `s` names it, `e` is its entity ----
ojson subscribe_payload(const subscription& s, const entity& e);
ojson subscribed_payload(const subscription& s);
ojson event_payload(const subscription& s);
ojson events_payload(const subscription& s);  // a batched throttle window: event items typed by s's row
ojson unsubscribe_payload(const subscription& s);
ojson unsubscribed_payload(const subscription& s);

// ---- the connection channel ----
ojson publish_payload(const entity& e);
ojson published_payload(const entity& e);
ojson presence_payload();        // the client's join/leave
ojson presence_state_payload();  // the server's list of users
ojson ping_payload();
ojson pong_payload();
ojson refresh_payload();
ojson refreshed_payload();
ojson spec_changed_payload();
ojson error_payload();

}  // namespace rt::spec::asyncapi
