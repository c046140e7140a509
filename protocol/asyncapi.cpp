// The AsyncAPI 3.0.0 document of an app's endpoint. Layout of what to_asyncapi() builds:
//   info, servers.rt, defaultContentType
//   channels:   <Subscription> (one each: subscribe, subscribed, event, events, unsubscribe,
//                               unsubscribed, error)
//               rt-connection  (publish<Entity>, published<Entity>, presence, presenceState, ping,
//                               pong, [refresh, refreshed,] specChanged, error)
//   operations: receive = what a client sends (with the direct reply), send = what the server
//               sends unasked (events, presence, a spec reload's notices, errors without a request)
//   components: schemas (asyncapi_schemas.cpp), messages (payloads: asyncapi_payloads.cpp),
//               correlationIds, channelBindings, securitySchemes
#include "protocol/asyncapi.hpp"

#include <cassert>

#include "protocol/asyncapi_payloads.hpp"
#include "protocol/asyncapi_schemas.hpp"
#include "protocol/host_port.hpp"
#include "protocol/spec_expr_text.hpp"
#include "protocol/spec_ir_json.hpp"

namespace rt::spec {

using asyncapi::ojson;

namespace {

// The one channel that is not a subscription's: a '-' no spec name can hold, so no clash.
constexpr const char* k_connection_channel = "rt-connection";

ojson message_ref(const std::string& name) { return {{"$ref", "#/components/messages/" + name}}; }
ojson channel_ref(const std::string& channel) { return {{"$ref", "#/channels/" + channel}}; }
ojson channel_message_ref(const std::string& channel, const std::string& message) {
    return {{"$ref", "#/channels/" + channel + "/messages/" + message}};
}

// A message with a payload; `request_reply`: it carries the client's `id` (correlationId).
ojson make_message(const std::string& name, const std::string& title, const std::string& summary, ojson payload,
                   bool request_reply) {
    ojson m = {{"name", name}, {"title", title}, {"summary", summary}, {"contentType", "application/json"}};
    m["payload"] = std::move(payload);
    if (request_reply) m["correlationId"] = {{"$ref", "#/components/correlationIds/requestId"}};
    return m;
}

// ---- one subscription ----------------------------------------------------------------------

std::string kind_text(const app& a, const subscription& s) {
    switch (s.kind) {
        case subscription_kind::view: {
            const view* v = a.find_view(s.view);
            std::string text = "the rows of view " + s.view + " (" + s.entity;
            if (v && v->where) text += " where " + to_string(*v->where);
            return text + "): a row entering sends insert, changing inside update, leaving delete";
        }
        case subscription_kind::by_id:
            return "one " + s.entity + " row by id: the filter must name its id";
        case subscription_kind::entity:
            return "every change to entity " + s.entity;
    }
    return {};
}

// The filter's keys and types, for readers and generators that do not read JSON Schema.
ojson filter_summary(const entity& e) {
    ojson keys = ojson::object();
    keys["id"] = "string";
    for (const attribute& at : e.attrs) keys[at.name] = to_string(at.type);
    return keys;
}

ojson subscription_extension(const app& a, const subscription& s, const entity& e) {
    ojson x = {{"name", s.name}, {"kind", ir_kind_name(s.kind)}, {"entity", s.entity}};
    if (s.kind == subscription_kind::view) {
        x["view"] = s.view;
        const view* v = a.find_view(s.view);
        x["where"] = v && v->where ? to_string(*v->where) : std::string();
    }
    x["filterRequired"] = s.kind == subscription_kind::by_id;
    x["filter"] = filter_summary(e);
    return x;
}

void add_subscription(const app& a, const subscription& s, const std::string& path, ojson& doc) {
    const entity* e = a.find_entity(s.entity);
    assert(e && "parse_spec() checks every subscription's entity");
    if (!e) return;
    const std::string& n = s.name;
    ojson& messages = doc["components"]["messages"];
    messages["subscribe." + n] = make_message("subscribe", "subscribe to " + n, "Start (or restart, or resume with since) subscription " + n + ".",
                                              asyncapi::subscribe_payload(s, *e), true);
    messages["subscribed." + n] = make_message("subscribed", n + " subscribed",
                                               "The reply to subscribe: the stream's position and, unless recovered, its rows. "
                                               "Also sent unasked (reason spec_changed, no id) when a spec reload redefined " + n + ".",
                                               asyncapi::subscribed_payload(s), true);
    messages["event." + n] = make_message("event", n + " event",
                                          "A change in the stream. insert/update: the row after the change; delete: the row as subscribers last saw it (use data.id).",
                                          asyncapi::event_payload(s), false);
    messages["events." + n] = make_message("events", n + " events",
                                           "One closed throttle window of a subscribe with batch: true, its coalesced events in seq order "
                                           "(each item as its event frame would carry it).",
                                           asyncapi::events_payload(s), false);
    messages["unsubscribe." + n] = make_message("unsubscribe", "unsubscribe from " + n, "Stop subscription " + n + " (by name, or by sid).",
                                                asyncapi::unsubscribe_payload(s), true);
    messages["unsubscribed." + n] = make_message("unsubscribed", n + " unsubscribed",
                                                 "The reply to unsubscribe (also when nothing was held). Also sent unasked (reason "
                                                 "spec_changed, no id) when a spec reload removed " + n + ".",
                                                 asyncapi::unsubscribed_payload(s), true);

    ojson channel = {{"address", path},
                     {"title", n},
                     {"description", "Subscription " + n + ": " + kind_text(a, s) +
                                         ". A subscription with a filter is a stream with its own epoch and gap-free seq."}};
    channel["messages"] = {{"subscribe", message_ref("subscribe." + n)},     {"subscribed", message_ref("subscribed." + n)},
                           {"event", message_ref("event." + n)},             {"events", message_ref("events." + n)},
                           {"unsubscribe", message_ref("unsubscribe." + n)},
                           {"unsubscribed", message_ref("unsubscribed." + n)}, {"error", message_ref("error")}};
    channel["bindings"] = {{"$ref", "#/components/channelBindings/live"}};
    channel["x-rt-subscription"] = subscription_extension(a, s, *e);
    doc["channels"][n] = std::move(channel);

    auto reply = [&](std::initializer_list<const char*> names) {
        ojson list = ojson::array();
        for (const char* m : names) list.push_back(channel_message_ref(n, m));
        return ojson{{"channel", channel_ref(n)}, {"messages", std::move(list)}};
    };
    ojson& ops = doc["operations"];
    ops["subscribe" + n] = {{"action", "receive"},
                            {"channel", channel_ref(n)},
                            {"summary", "A client subscribes to " + n + "; the reply is subscribed (then, on a resume, the missed events) or error."},
                            {"messages", ojson::array({channel_message_ref(n, "subscribe")})},
                            {"reply", reply({"subscribed", "error"})}};
    ops["unsubscribe" + n] = {{"action", "receive"},
                              {"channel", channel_ref(n)},
                              {"summary", "A client stops " + n + "."},
                              {"messages", ojson::array({channel_message_ref(n, "unsubscribe")})},
                              {"reply", reply({"unsubscribed", "error"})}};
    ops["send" + n + "Event"] = {{"action", "send"},
                                 {"channel", channel_ref(n)},
                                 {"summary", "The server sends each change of the stream to its subscribers, in seq order: one event "
                                             "frame each, or one events frame per throttle window for a subscribe with batch: true."},
                                 {"messages", ojson::array({channel_message_ref(n, "event"), channel_message_ref(n, "events")})}};
    ops["send" + n + "SpecChange"] = {{"action", "send"},
                                      {"channel", channel_ref(n)},
                                      {"summary", "After a live spec reload (spec_changed) the server sends, unasked and without id, with "
                                                  "reason spec_changed: subscribed when the reload redefined " + n + " (a new epoch, "
                                                  "fresh rows), unsubscribed when it removed " + n + "."},
                                      {"messages", ojson::array({channel_message_ref(n, "subscribed"), channel_message_ref(n, "unsubscribed")})}};
}

// ---- the rest of the connection -------------------------------------------------------------

void add_connection(const app& a, const asyncapi_options& o, ojson& doc) {
    const std::string ch = k_connection_channel;
    ojson& messages = doc["components"]["messages"];
    ojson channel_messages = ojson::object();
    ojson& ops = doc["operations"];
    auto op = [&](const std::string& id, const char* action, const std::string& summary, std::initializer_list<std::string> sent,
                  std::initializer_list<std::string> replies) {
        ojson entry = {{"action", action}, {"channel", channel_ref(ch)}, {"summary", summary}};
        ojson list = ojson::array();
        for (const std::string& m : sent) list.push_back(channel_message_ref(ch, m));
        entry["messages"] = std::move(list);
        if (replies.size()) {
            ojson r = ojson::array();
            for (const std::string& m : replies) r.push_back(channel_message_ref(ch, m));
            entry["reply"] = {{"channel", channel_ref(ch)}, {"messages", std::move(r)}};
        }
        ops[id] = std::move(entry);
    };
    for (const entity& e : a.entities) {
        messages["publish." + e.name] = make_message("publish", "publish to " + e.name,
                                                     "Insert, update (merge) or delete a " + e.name + " row; committed before any event is sent.",
                                                     asyncapi::publish_payload(e), true);
        messages["published." + e.name] = make_message("published", e.name + " published",
                                                       "The reply to publish: the stored row (for delete, the row as it was); only {id} when the token may not read it.",
                                                       asyncapi::published_payload(e), true);
        channel_messages["publish" + e.name] = message_ref("publish." + e.name);
        channel_messages["published" + e.name] = message_ref("published." + e.name);
    }
    messages["presence"] = make_message("presence", "presence join or leave", "Join a resource with a meta, or leave it.", asyncapi::presence_payload(), true);
    messages["presenceState"] = make_message("presence", "presence state",
                                             "The users on a resource: sent to every connection on it when the list changes, and to the sender of a join or leave. Never carries an id.",
                                             asyncapi::presence_state_payload(), false);
    messages["ping"] = make_message("ping", "ping", "An application-level ping, answered at once with pong.", asyncapi::ping_payload(), true);
    messages["pong"] = make_message("pong", "pong", "The reply to ping, with its timestamp.", asyncapi::pong_payload(), true);
    if (o.jwt) {
        messages["refresh"] = make_message("refresh", "refresh the JWT", "A new JWT of the same sub, sent before the connection's token expires.",
                                           asyncapi::refresh_payload(), true);
        messages["refreshed"] = make_message("refreshed", "JWT refreshed", "The reply to an accepted refresh.", asyncapi::refreshed_payload(), true);
    }
    messages["specChanged"] = make_message("spec_changed", "spec changed",
                                           "The server applied a new version of its spec (a live reload); connections stay open. "
                                           "Each subscription of the connection named in changed is followed by an unasked subscribed, "
                                           "each one named in removed by an unasked unsubscribed.",
                                           asyncapi::spec_changed_payload(), false);
    messages["error"] = make_message("error", "error",
                                     "A refused message: the code says why. Carries the request's id when it could be read; never closes the connection by itself.",
                                     asyncapi::error_payload(), true);
    channel_messages["presence"] = message_ref("presence");
    channel_messages["presenceState"] = message_ref("presenceState");
    channel_messages["ping"] = message_ref("ping");
    channel_messages["pong"] = message_ref("pong");
    if (o.jwt) {
        channel_messages["refresh"] = message_ref("refresh");
        channel_messages["refreshed"] = message_ref("refreshed");
    }
    channel_messages["specChanged"] = message_ref("specChanged");
    channel_messages["error"] = message_ref("error");

    doc["channels"][ch] = {{"address", o.path},
                           {"title", "connection"},
                           {"description", "Everything on the connection that is not one subscription's: publish, presence, ping" +
                                               std::string(o.jwt ? ", refresh" : "") + ", spec reload notices and errors without a request."},
                           {"messages", std::move(channel_messages)},
                           {"bindings", {{"$ref", "#/components/channelBindings/live"}}}};

    for (const entity& e : a.entities)
        op("publish" + e.name, "receive", "A client inserts, updates or deletes a " + e.name + " row; the reply is published or error.",
           {"publish" + e.name},
           {"published" + e.name, "error"});
    op("presence", "receive", "A client joins or leaves a resource; it gets the resource's users (presenceState, no id) or error.",
       {"presence"}, {"presenceState", "error"});
    op("sendPresence", "send", "The server sends a resource's users to every connection on it when the list changes.",
       {"presenceState"}, {});
    op("ping", "receive", "A client pings; the reply is pong.", {"ping"}, {"pong", "error"});
    if (o.jwt) op("refresh", "receive", "A client replaces its JWT; the reply is refreshed or error (or close 4003 when the rights differ).", {"refresh"}, {"refreshed", "error"});
    op("sendSpecChanged", "send", "After a live spec reload the server tells every connection which subscriptions it added, changed and removed.",
       {"specChanged"}, {});
    op("sendError", "send", "Errors that answer no readable request (not JSON, binary, RATE_LIMITED, AUTH_REQUIRED before close 4001).",
       {"error"}, {});
}

// ---- security and the WebSocket binding ----------------------------------------------------

ojson security_schemes(const asyncapi_options& o) {
    const std::string kinds = o.jwt ? (o.tokens_file ? "a token of the tokens file or a JWT" : "a JWT") : "a token of the tokens file";
    ojson bearer = {{"type", "http"}, {"scheme", "bearer"}};
    if (o.jwt) bearer["bearerFormat"] = "JWT";
    bearer["description"] = "Authorization: Bearer TOKEN, when the query has no token: " + kinds + ".";
    ojson schemes = ojson::object();
    schemes["token"] = {{"type", "httpApiKey"},
                        {"name", "token"},
                        {"in", "query"},
                        {"description", "?token=TOKEN on the WebSocket URL (browsers cannot set headers): " + kinds +
                                            ". Without a valid one: error AUTH_REQUIRED, then close 4001."}};
    schemes["bearer"] = std::move(bearer);
    return schemes;
}

ojson live_binding(const asyncapi_options& o) {
    ojson query = ojson::object();
    if (o.needs_token()) query["token"] = {{"type", "string"}, {"description", "the token (or Authorization: Bearer)"}};
    else query["user"] = {{"type", "string"}, {"description", "development mode: names the connection for presence (anonymous without it)"}};
    return {{"ws", {{"method", "GET"}, {"query", {{"type", "object"}, {"properties", std::move(query)}}}, {"bindingVersion", "0.1.0"}}}};
}

std::string info_description(const app& a, const asyncapi_options& o) {
    std::string d = "The live endpoint of app " + a.name +
                    ", served by rt serve (protocol v1: one JSON object per WebSocket text frame).\n\n"
                    "This document describes the server: a receive operation is a message a client sends, with the "
                    "server's direct reply (which echoes the request's id); a send operation is what the server sends "
                    "unasked. Each subscription is a channel; a subscription with a filter is a stream whose events are "
                    "numbered by seq (1, 2, 3, ... with no holes) within an epoch, so a client that sees a gap resubscribes "
                    "with since and gets the missed events replayed, or a fresh snapshot.\n\n";
    d += o.needs_token() ? "Clients authenticate with ?token= or Authorization: Bearer."
                  : "Development mode: no token is needed; ?user=NAME names the connection for presence.";
    return d;
}

}  // namespace

result<void, std::string> set_asyncapi_url(asyncapi_options& o, std::string_view url) {
    std::string scheme;
    if (url.substr(0, 5) == "ws://") scheme = "ws";
    else if (url.substr(0, 6) == "wss://") scheme = "wss";
    else return make_unexpected(std::string("expected ws://HOST[:PORT][/PATH] or wss://..."));
    std::string_view rest = url.substr(scheme.size() + 3);
    for (char c : rest)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return make_unexpected(std::string("the URL holds a space, a control or a non-ASCII character"));
    if (rest.find_first_of("?#") != std::string_view::npos)
        return make_unexpected(std::string("a query string or fragment (?... #...) is not part of the server's address"));
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    if (authority.empty() || authority.front() == ':') return make_unexpected(std::string("the URL has no host"));
    if (auto hp = proto::parse_host_port(authority, scheme == "ws" ? 80 : 443); !hp) return make_unexpected(hp.error());
    o.scheme = scheme;
    o.host = std::string(authority);
    if (slash != std::string_view::npos) o.path = std::string(rest.substr(slash));
    return {};
}

ojson to_asyncapi(const app& a, const asyncapi_options& o) {
    ojson doc = ojson::object();
    doc["asyncapi"] = "3.0.0";
    doc["info"] = {{"title", a.name},
                   {"version", o.version.empty() ? "spec-" + ir_hash(a) : o.version},
                   {"description", info_description(a, o)}};
    ojson server = {{"host", o.host},
                    {"protocol", o.scheme},
                    {"pathname", o.path},
                    {"title", "rt serve"},
                    {"description", std::string("The WebSocket endpoint: ") + o.scheme + "://" + o.host + o.path}};
    if (o.needs_token())
        server["security"] = ojson::array({{{"$ref", "#/components/securitySchemes/token"}},
                                           {{"$ref", "#/components/securitySchemes/bearer"}}});
    doc["servers"] = {{"rt", std::move(server)}};
    doc["defaultContentType"] = "application/json";
    doc["channels"] = ojson::object();
    doc["operations"] = ojson::object();
    doc["components"] = {{"schemas", ojson::object()}, {"messages", ojson::object()}};

    for (const subscription& s : a.subscriptions) add_subscription(a, s, o.path, doc);
    add_connection(a, o, doc);

    ojson& c = doc["components"];
    asyncapi::add_schemas(a, c["schemas"]);
    c["correlationIds"] = {{"requestId", {{"description", "The client's id, echoed in the direct reply"}, {"location", "$message.payload#/id"}}}};
    c["channelBindings"] = {{"live", live_binding(o)}};
    if (o.needs_token()) c["securitySchemes"] = security_schemes(o);
    return doc;
}

}  // namespace rt::spec
