#pragma once
// Who a client is: the tokens file (or development mode), token lookup for a WebSocket handshake
// or an HTTP request, and the SIGHUP reload that decides which open connections must go.
// No transport here: the caller passes the request's query and Authorization header in, and
// closes the connections a reload names.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/close_codes.hpp"
#include "protocol/spec.hpp"
#include "server/conn_context.hpp"
#include "server/metrics.hpp"
#include "server/tokens.hpp"

namespace rt::server {

// Who a request is, once its token is looked up.
struct identity {
    rights who;
    std::string token;  // "" in development mode
};

// The query parameters that become client text (a user name in development mode) are percent-decoded
// raw bytes: refused unless UTF-8, before they are stored, logged or encoded into JSON. Returns ok,
// or the 400 body naming the parameter.
result<void, std::string> check_client_text(const std::map<std::string, std::string>& query);

class access {
public:
    // `tokens_path` empty: development mode, everyone may do everything (loopback only).
    access(std::string tokens_path, const spec::app& app, token_table tokens, metrics& m);

    bool dev_mode() const { return dev_mode_; }

    // The identity of a request with these (decoded) query parameters and Authorization header:
    // `?token=` or `Authorization: Bearer` (scheme case-insensitive, RFC 7235); in development mode
    // `?user=` names the client. Nothing when the token is missing or unknown. Any thread.
    std::optional<identity> authenticate(const std::map<std::string, std::string>& query,
                                         std::string_view authorization) const;

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

private:
    std::shared_ptr<const token_table> tokens() const;

    const std::string tokens_path_;
    const spec::app& app_;
    const bool dev_mode_;
    metrics& metrics_;
    mutable std::mutex tokens_mu_;
    std::shared_ptr<const token_table> tokens_;  // swapped whole by a SIGHUP reload
};

}  // namespace rt::server
