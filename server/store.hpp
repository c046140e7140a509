#pragma once
// Entity rows in SQLite, mirrored in memory for snapshots; with a file database also the streams'
// epochs, top seqs and replay buffers, so clients resume across a restart.
// Not thread-safe: the hub calls it under its lock.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"
#include "protocol/spec.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace rt::server {

using json = nlohmann::json;

class store {
public:
    // Opens (creating tables as needed) the database at `path` (":memory:" for none).
    static result<std::unique_ptr<store>, std::string> open(const std::string& path, const spec::app& app);
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    // True for a file database: stream history is persisted too.
    bool durable() const { return durable_; }

    const json* find(const std::string& entity, const std::string& id) const;
    // Every row of an entity (empty map for an entity with none).
    const std::map<std::string, json>& rows(const std::string& entity) const;
    std::size_t row_count() const;

    // --- A live spec reload (hub::reload_spec). The rows on disk of the entities `next` declares
    // that are not served now (a file database keeps the rows of entities a spec dropped); empty
    // for an in-memory store. An unreadable row is left out, as at open.
    std::map<std::string, std::map<std::string, json>> unserved_rows(const spec::app& next);
    // Serves `next`'s entities: `loaded` (from unserved_rows) joins the rows in memory, and the rows
    // of entities `next` no longer declares leave memory (they stay on disk).
    void serve_entities(const spec::app& next, std::map<std::string, std::map<std::string, json>> loaded);

    struct stream_event {
        std::string stream_key;
        std::string epoch;
        std::uint64_t seq = 0;
        std::int64_t ts_ms = 0;
        std::string frame;
    };
    // Commits one row change (after == nullptr: delete) together with the stream events it produced
    // (persisted only when durable), in one transaction. Returns ok, or the error: then nothing
    // changed. `keep_events` bounds the persisted history per stream.
    // `after_json` is `after` already serialized (the caller has it for the events: not dumped twice).
    result<void, std::string> commit(const std::string& entity, const std::string& id, const json* after,
                                     std::string_view after_json,
                                     const std::vector<stream_event>& events, std::uint32_t keep_events);

    struct stored_stream {
        std::string key;
        std::string epoch;
        std::uint64_t top_seq = 0;
        std::vector<stream_event> events;  // in seq order
    };
    // Persisted stream histories (durable only; empty otherwise).
    std::vector<stored_stream> load_streams();
    // Records a stream's epoch/top (e.g. a new stream) and forgets reclaimed ones.
    void save_stream(const std::string& key, const std::string& epoch, std::uint64_t top_seq);
    void forget_stream(const std::string& key);

private:
    store() = default;
    result<void, std::string> exec(const char* sql);
    sqlite3* db_ = nullptr;
    bool durable_ = false;
    std::map<std::string, std::map<std::string, json>> rows_;
    std::set<std::string> served_;  // the entities whose rows are in rows_ (the spec's)
    sqlite3_stmt* upsert_row_ = nullptr;
    sqlite3_stmt* delete_row_ = nullptr;
    sqlite3_stmt* upsert_stream_ = nullptr;
    sqlite3_stmt* insert_event_ = nullptr;
    sqlite3_stmt* trim_events_ = nullptr;
};

}  // namespace rt::server
