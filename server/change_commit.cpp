#include "server/change_commit.hpp"

namespace rt::server {

result<void, std::string> store_commit::commit(const change_record& change) {
    return db_.commit(change.entity, change.id, change.after, change.after_json, change.events, keep_events_);
}

}  // namespace rt::server
