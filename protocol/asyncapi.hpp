#pragma once
// An app's WebSocket endpoint as an AsyncAPI 3.0.0 document (docs/asyncapi.md): `rt spec
// asyncapi` prints it, `GET /api/_asyncapi` serves it. Pure: the spec IR and a few facts about
// the server (its URL, which tokens it takes) in, a JSON value out.
//
// The document describes the server, as AsyncAPI 3 wants it described from the application's
// side: what a client sends is a `receive` operation (with the server's direct reply as its
// `reply`), what the server sends on its own (events, presence, errors without a request) is a
// `send` operation. One channel per subscription carries its subscribe/unsubscribe requests,
// their replies and its events; one more channel (`rt-connection`) carries everything else.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"
#include "protocol/spec.hpp"

namespace rt::spec {

struct asyncapi_options {
    std::string scheme = "ws";            // "ws", or "wss" for a server started with --tls-cert
    std::string host = "localhost:8080";  // HOST[:PORT] as clients reach it (rt serve's default --listen)
    std::string path = "/live";           // the WebSocket path (rt serve's default --path)
    bool tokens_file = false;             // rt serve --tokens: tokens of the file, as ?token= or Authorization: Bearer
    bool jwt = false;                     // a JWT key: tokens may be JWTs, and `refresh`/`refreshed` exist
    bool needs_token() const { return tokens_file || jwt; }  // else development mode (?user=NAME)
    std::string version;                  // info.version; empty: "spec-" + ir_hash(app), which changes with the spec
};

// Sets scheme, host and path of `o` from "ws://HOST[:PORT][/PATH]" (or wss://). Without a path
// the path stays as it was ("/live" by default). Errors name what is wrong ("--url must start
// with ws:// or wss://", "port out of range 0-65535", "a query string (?...) is not part of the
// server's address"); the caller adds which flag it was.
result<void, std::string> set_asyncapi_url(asyncapi_options& o, std::string_view url);

// The AsyncAPI 3.0.0 document. Keys come in a fixed order (insertion order, the same for the same
// app and options), so two documents of one spec can be diffed. Entity rows become JSON Schemas
// (`#/components/schemas/<Entity>`): unions are string enums, `ref E` an id string (the spec
// language does not check that the row exists), every attribute optional and nullable, `id`
// required in rows the server sends.
nlohmann::ordered_json to_asyncapi(const app& a, const asyncapi_options& o);

}  // namespace rt::spec
