#include "server/server_state.hpp"

namespace rt::server {

server_state::server_state(const server_config& c, const spec::app& app, store& db, token_table tokens)
    : cfg(c),
      hub(app, db,
          hub_config{proto::replay_limits{c.replay_max_events, c.replay_max_age.count()}, c.max_subscriptions,
                     c.max_filter_bytes, c.max_idle_streams, c.max_idle_stream_bytes, c.max_presence_resources,
                     c.max_presence_meta_bytes, c.max_presence_users},
          metrics, sink),
      mutations(c.rate_per_s, c.rate_burst),
      access(c.tokens_path, app, std::move(tokens), metrics) {}

}  // namespace rt::server
