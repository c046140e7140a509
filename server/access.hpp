#pragma once
// Who a client is: the tokens file and/or JWTs (or development mode), token lookup for a
// WebSocket handshake or an HTTP request, a JWT connection's `refresh`, and the decisions of
// which open connections must go: after a SIGHUP reload, and once their JWT has expired.
// No transport here: the caller passes the request's query and Authorization header in, and
// closes the connections named.
#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/close_codes.hpp"
#include "protocol/spec.hpp"
#include "protocol/error_code.hpp"
#include "server/conn_context.hpp"
#include "server/jwt_verifier.hpp"
#include "server/metrics.hpp"
#include "server/tokens.hpp"

namespace rt::server {

// Who a request is, once its token is looked up.
struct identity {
    rights who;
    std::string token;  // a tokens file's token; "" for a JWT and in development mode
    // A JWT's expiry plus the leeway, in wall-clock ms: the connection is closed then unless a
    // `refresh` moves it. 0: never (a tokens file's token, development mode).
    std::int64_t expires_ms = 0;
    bool jwt = false;
    // The change budget this identity draws from (WebSocket and REST share it): per token, per
    // JWT subject (refreshed tokens keep it), or "" (development mode: the caller decides).
    std::string budget_key() const;
};

// What a `refresh` decided for a connection.
struct refresh_outcome {
    std::int64_t exp_s = 0;           // the new token's exp, for the `refreshed` reply
    bool rights_changed = false;      // the new token's rights differ: close with 4003, no reply
};

// The query parameters that become client text (a user name in development mode) are percent-decoded
// raw bytes: refused unless UTF-8, before they are stored, logged or encoded into JSON. Returns ok,
// or the 400 body naming the parameter.
result<void, std::string> check_client_text(const std::map<std::string, std::string>& query);

class access {
public:
    // `tokens_path` empty and `jwt` disabled: development mode, everyone may do everything
    // (loopback only). Both may be given: a token is looked up in the table first, then tried as a JWT.
    access(std::string tokens_path, const spec::app& app, token_table tokens, jwt_verifier jwt, metrics& m);

    bool dev_mode() const { return dev_mode_; }

    // The identity of a request with these (decoded) query parameters and Authorization header:
    // `?token=` or `Authorization: Bearer` (scheme case-insensitive, RFC 7235); in development mode
    // `?user=` names the client. The error says why for the log and the client ("no token",
    // "unknown token", or why a JWT was refused), never quoting the token. Any thread.
    result<identity, std::string> authenticate(const std::map<std::string, std::string>& query,
                                               std::string_view authorization) const;

    bool jwt_enabled() const { return jwt_.enabled(); }
    // A `refresh` from connection `c` at `now_ms`: refused (the connection keeps its token until
    // it expires) unless `c` authenticated with a JWT and `token` is a valid JWT of the same
    // `sub`: FORBIDDEN for another subject or a connection without a JWT, AUTH_REQUIRED for a
    // token that fails verification. On success the caller stores the new expiry in
    // c.expires_ms (done here) and replies `refreshed`, or closes with 4003 when the rights
    // differ. Called from c's handlers.
    result<refresh_outcome, proto::protocol_error> refresh(conn_context& c, const std::string& token, std::int64_t now_ms) const;
    // The connections of `open` whose JWT has expired at `now_ms` (expires_ms passed, no refresh).
    std::vector<std::weak_ptr<void>> expired(const std::vector<std::shared_ptr<conn_context>>& open, std::int64_t now_ms) const;

    // The connections a reload closes, with the close code: 4001 (token gone) or 4003 (rights changed).
    struct reload_plan {
        std::vector<std::pair<std::weak_ptr<void>, std::uint16_t>> to_close;
        std::size_t tokens = 0, revoked = 0, changed = 0;
    };
    // SIGHUP: reads the tokens file and checks it against the spec; a bad file (or development
    // mode) changes nothing, is logged and returns nothing. Otherwise swaps the table and returns
    // which of `open` must be closed. The caller closes them, then calls log_reloaded(plan).
    std::optional<reload_plan> reload(const std::vector<std::shared_ptr<conn_context>>& open);
    void log_reloaded(const reload_plan& plan) const;

    // A live spec reload: ok when the tokens file (if any) still matches `next` (every
    // subscription and entity it names exists there), else the error naming the token and the
    // name. Reads the file; changes nothing.
    result<void, std::string> check_tokens(const spec::app& next) const;
    // The spec JWT rights and tokens reloads are read against from now on (`next` must outlive
    // this object: the hub keeps every app it served).
    // Names the previous specs declared and `next` lacks become retired: a JWT naming them keeps
    // working without them (tokens.hpp, rights_from_claim).
    void set_app(const spec::app& next);

private:
    std::shared_ptr<const token_table> tokens() const;

    // The identity of a JWT, or why it is refused.
    result<identity, std::string> from_jwt(const std::string& token, std::int64_t now_ms) const;

    const std::string tokens_path_;
    std::atomic<const spec::app*> app_;  // the spec served now (set_app)
    mutable std::mutex retired_mu_;
    std::shared_ptr<const retired_names> retired_;  // null until a reload retires a name
    const jwt_verifier jwt_;
    const bool dev_mode_;
    metrics& metrics_;
    mutable std::mutex tokens_mu_;
    std::shared_ptr<const token_table> tokens_;  // swapped whole by a SIGHUP reload
};

}  // namespace rt::server
