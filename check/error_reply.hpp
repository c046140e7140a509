#pragma once
// Steps of the cases that send something the server must refuse (docs/protocol.md §3, §6, §12):
// the error it must answer with, and the proof that the connection was kept. Each fails the case
// naming what was expected and what came.
#include <string>

#include <nlohmann/json.hpp>

#include "check/case_context.hpp"
#include "check/check_peer.hpp"

namespace rt::check {

// The reply to `id` is an `error` with `code` (an error with another code, or any other reply,
// fails); then the connection still answers a ping (§3: a refused message does not close it).
// Returns the error.
nlohmann::json expect_refusal(check_peer& p, const nlohmann::json& id, const std::string& code);
// The same for an error that cannot carry an id (a frame that is not JSON, a binary frame, an
// unreadable id, RATE_LIMITED): the next `error` has `code` and no id.
nlohmann::json expect_idless_refusal(check_peer& p, const std::string& code);
// The same for a message whose id the server may fail to read (one nested too deep: its parser
// stops before the id): the error echoes `id`, or carries none.
nlohmann::json expect_refusal_maybe_unread(check_peer& p, const nlohmann::json& id, const std::string& code);
// After a refused subscribe to the stream `value` of the case's subscription: a row inserted into
// that stream reaches `p` as no event (the refused message changed nothing, §3).
void expect_not_subscribed(case_context& c, check_peer& p, const std::string& value);
// fail() unless the error's message names `field` (§3: "the message names the field").
void require_names_field(const nlohmann::json& error, const std::string& field);

}  // namespace rt::check
