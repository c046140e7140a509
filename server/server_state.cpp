#include "server/server_state.hpp"

namespace rt::server {

server_state::server_state(const server_config& c, const spec::app& app, store& db, token_table tokens, jwt_verifier jwt)
    : cfg(c),
      hub(app, db, c.hub, metrics, sink),
      mutations(c.rate_per_s, c.rate_burst),
      access(c.tokens_path, app, std::move(tokens), std::move(jwt), metrics) {}

}  // namespace rt::server
