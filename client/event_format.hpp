#pragma once
// How `rt subscribe` prints what it receives: JSON lines for scripts (the server's own event
// object, so `| jq` sees exactly the wire format) or one readable line per event for humans.
// Pure: no I/O; the caller decides about color (use_color) and writes the lines.
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace rt::client {

// The event as the server sent it: {"type":"event","subscription":..,"operation":..,"data":..,
// "epoch":..,"seq":..,"ts":..}. No trailing newline.
std::string event_json_line(const proto::event_msg& e);

// One row of a snapshot (`rt subscribe --snapshot`), shaped like an event so one jq filter reads
// both: {"type":"snapshot","subscription":..,"operation":"snapshot","data":ROW,"epoch":..,"seq":..}
// where epoch/seq are the snapshot's position. No trailing newline.
std::string snapshot_json_line(std::string_view subscription, const proto::json& row,
                               const proto::stream_position& pos);

// "14:03:07.123 AllTasks #58 insert t1 {"status":"todo","title":"x"}": local time of the server's
// ts, subscription, seq, operation, the row's id and its other fields (delete: the id alone).
// With `color`, ANSI colors: insert green, update yellow, delete red, snapshot cyan, time and seq dim.
std::string event_pretty_line(const proto::event_msg& e, bool color);
// A snapshot row the same way, with "snapshot" for the operation and the snapshot's seq.
std::string snapshot_pretty_line(std::string_view subscription, const proto::json& row,
                                 const proto::stream_position& pos, bool color);

// Whether to color output: only on a terminal, and never when NO_COLOR is set to anything
// non-empty (https://no-color.org). `no_color_env` is getenv("NO_COLOR") (may be null).
bool use_color(bool stdout_is_tty, const char* no_color_env);

}  // namespace rt::client
