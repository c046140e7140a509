#pragma once
// The Lua scripts a --broker node runs in Redis (EVAL), and the keys they use. Each script is one
// atomic step; docs/architecture.md ("Several nodes") explains the design.
//
// Keys (all under "rt:"):
//   rt:log:epoch       names this data set; a Redis that lost its data gets a new one (nodes reset)
//   rt:g               the global change counter: the last change's G
//   rt:log             Redis Stream of every change (id G-1, field p = the change message), trimmed
//   rt:changes         pub/sub channel: every change message, live
//   rt:rows:ENTITY     hash id → row JSON;   rt:ver:ENTITY  hash id → G of the row's last change
//   rt:keysets         hash "SUBSCRIPTION\x1fKEYS JSON" → 1: the filter key sets in use;
//   rt:patterns        sorted set: the keys of the streams whose filter has a set or a prefix
//                      pattern (their key cannot be derived from a row), scored by when the entry
//                      expires (Unix s: opened or touched + the stream TTL); pruned when expired
//   rt:keysets:ver     the registry's version: one more per change (a key set or a pattern stream
//                      added, a pattern stream expired); a commit computed with an older one retries
//   rt:reglog          Redis Stream of the registry's changes (id VERSION-1, fields k = "k" key set
//                      field | "+" pattern key added | "-" removed, f = the field or key), trimmed
//                      to ~10,000: what a node behind reads instead of the whole registry
//   rt:s:STREAM        hash epoch, top: a stream's epoch and top seq (expires unless touched)
//   rt:h:STREAM        Redis Stream of its last events (id SEQ-1, fields o, d, t), trimmed to the replay size
//   rt:p:RESOURCE      hash node id → that node's users on the presence resource (JSON array)
//   rt:pn:NODE         set of the resources where that node has users;  rt:nodes  set of node ids
//   rt:node:NODE       the node's heartbeat (expires: a node that stops refreshing it is dead)
//   rt:presence        pub/sub channel: the name of a resource whose users changed
namespace rt::server::redis_scripts {

// ARGV: new log epoch → {log epoch, G, keysets version, {keyset fields}, {pattern stream keys}}.
// Creates rt:log:epoch when absent (a fresh or emptied Redis).
extern const char* const hello;
// ARGV: entity names → {G, {rows of entity 1: id, json, ...}, {versions of entity 1: id, G, ...}, ...}.
extern const char* const load;
// ARGV: log epoch, stream key, keyset field ("" for a set or pattern stream: its key is registered
// in rt:patterns instead), new epoch, ttl s → {"ok", epoch, top, G, {XRANGE entries}} or {"reset",
// log epoch}. Registers the key set (or the key), creates the stream when absent; a pattern stream
// that was not registered (expired from rt:patterns) gets a new epoch, since no event reached it.
extern const char* const open_stream;
// ARGV: log epoch, entity, id, expected version, keysets version, after JSON ("" = delete), before
// JSON, ts, body, replay events, log length, ttl s, then (stream key, op) pairs →
// {"ok", G} | {"conflict", G} | {"reset", log epoch} | {"registry", version, "delta", {XRANGE
// entries of rt:reglog after the caller's version}} | {"registry", version, "full", {fields},
// {pattern stream keys}} (when the log no longer holds every change since the caller's version).
extern const char* const commit;
// ARGV: ttl s, then (stream key, "p" for a set or pattern stream | "e") pairs → the keys whose stream
// no longer exists, or is a pattern stream no longer registered (their TTLs and registrations
// refreshed otherwise). Prunes expired pattern registrations first.
extern const char* const touch;

// ARGV: node, resource, users JSON ("" = none), heartbeat ttl ms. Stores this node's users on
// the resource and announces the resource on rt:presence.
extern const char* const presence_set;
// ARGV: node, heartbeat ttl ms → {whether this node's heartbeat was still there, nodes reaped}.
// Refreshes the heartbeat; removes the users of nodes whose heartbeat expired (and announces
// their resources).
extern const char* const heartbeat;

}  // namespace rt::server::redis_scripts
