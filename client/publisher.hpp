#pragma once
// `rt publish`'s engine: publish requests built from flags or JSON lines, sent over one
// sync_client, pipelined (many in flight, matched to replies by "id"), with results reported in
// input order. The CLI only wires flags and stdin/stdout to it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "client/sync_client.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::client {

// A publish as the protocol has it (entity, operation, data); run_publish gives it its id.
using publish_request = proto::publish_msg;

// From `rt publish ENTITY --op OP [--id ID] --data JSON`. `id`, when given, becomes data.id (an
// error if data already has a different id). Errors name the flag: "--data: not valid JSON: ...",
// "--op: expected insert, update or delete, got 'upsert'", "--id: data.id is 'a' but --id is 'b'".
result<publish_request, std::string> make_publish_request(std::string_view entity, std::string_view op,
                                                          const std::optional<std::string>& id,
                                                          std::string_view data_text);

// One `--stdin` line: {"entity":"Task","operation":"insert","data":{...}}. Errors say what is
// wrong ("not valid JSON: ...", "missing \"entity\"", "\"data\" must be an object").
result<publish_request, std::string> parse_publish_line(std::string_view line);

// The wire frame: {"id":ID,"type":"publish","entity":..,"operation":..,"data":..}.
std::string encode_publish(const publish_request& r, std::uint64_t id);

struct publish_outcome {
    std::uint64_t line = 0;      // 1-based input line (1 for a single publish)
    bool ok = false;
    proto::json data;            // ok: the stored row from the server's `published` reply
    std::string error_code;      // !ok: the server's code (NOT_FOUND ...), or "INVALID_INPUT",
                                 // "CONNECTION_LOST", "TIMEOUT" for failures on our side
    std::string message;         // !ok: the server's message, or what went wrong
};

struct publish_options {
    std::size_t window = 64;          // requests in flight; enough to hide a loopback round trip
    double rate_per_s = 100;          // the server's default per-connection limit; 0: no pacing
    double burst = 20;                // a fifth of a second at the default rate: far below any server's burst
    bool keep_going = false;          // after a failure, go on with the next lines
    std::chrono::milliseconds reply_timeout{10000};  // a reply slower than this: the server is stuck
};

struct publish_totals {
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
};

// A source of input: the next line (its text) or nullopt at the end. Lines are numbered from 1 by
// run_publish; blank lines are skipped (but counted).
using line_source = std::function<std::optional<std::string>()>;
// Called once per non-blank line, in input order, with its outcome.
using outcome_sink = std::function<void(const publish_outcome&)>;

// Reads lines from `next`, parses and sends them over `client` (at most options.window awaiting a
// reply, paced to options.rate_per_s), and reports each outcome to `sink` in input order. Without
// keep_going, the first failure stops reading; requests already in flight still get their replies
// reported (up to window-1 lines after the failing one may have been applied — use window 1 for
// strict stop-at-first-error). A closed connection fails what is in flight and stops.
// Called from one thread, which it blocks until done.
publish_totals run_publish(sync_client& client, const line_source& next, const outcome_sink& sink,
                           const publish_options& options);

// The same for requests that are already parsed (a single `rt publish ENTITY ...`).
publish_totals run_publish_one(sync_client& client, const publish_request& request, const outcome_sink& sink,
                               const publish_options& options);

}  // namespace rt::client
