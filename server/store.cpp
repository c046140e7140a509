#include "server/store.hpp"

#include <sqlite3.h>

namespace rt::server {

namespace {

// A TEXT column as stored, with its length: ids and values may contain U+0000, which a C string
// would cut (an acknowledged row must come back whole after a restart).
std::string column_string(sqlite3_stmt* q, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(q, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(q, col))) : std::string();
}
const std::map<std::string, json> k_no_rows;

struct stmt_reset {
    sqlite3_stmt* s;
    ~stmt_reset() { sqlite3_reset(s); sqlite3_clear_bindings(s); }
};
}  // namespace

result<void, std::string> store::exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string e = msg ? msg : "unknown sqlite error";
        sqlite3_free(msg);
        return make_unexpected(std::move(e));
    }
    return {};
}

result<std::unique_ptr<store>, std::string> store::open(const std::string& path, const spec::app& app) {
    std::unique_ptr<store> s(new store());
    s->durable_ = path != ":memory:" && !path.empty();
    if (sqlite3_open(path.c_str(), &s->db_) != SQLITE_OK)
        return make_unexpected(path + ": cannot open database: " + sqlite3_errmsg(s->db_));
    const char* schema =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"  // WAL + NORMAL: durable across a process crash, fast commits
        "CREATE TABLE IF NOT EXISTS rows(entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
        "  PRIMARY KEY(entity, id));"
        "CREATE TABLE IF NOT EXISTS streams(key TEXT PRIMARY KEY, epoch TEXT NOT NULL, top_seq INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS stream_events(key TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
        "  frame TEXT NOT NULL, PRIMARY KEY(key, seq));";
    if (auto made = s->exec(schema); !made) return make_unexpected(path + ": " + made.error());
    // A prepared statement, or the error naming the database.
    auto prep = [&](const char* sql) -> result<sqlite3_stmt*, std::string> {
        sqlite3_stmt* out = nullptr;
        if (sqlite3_prepare_v2(s->db_, sql, -1, &out, nullptr) != SQLITE_OK)
            return make_unexpected(path + ": " + sqlite3_errmsg(s->db_));
        return out;
    };
    for (auto [sql, out] : {std::pair{"INSERT OR REPLACE INTO rows(entity,id,data) VALUES(?,?,?)", &s->upsert_row_},
                            std::pair{"DELETE FROM rows WHERE entity=? AND id=?", &s->delete_row_},
                            std::pair{"INSERT OR REPLACE INTO streams(key,epoch,top_seq) VALUES(?,?,?)", &s->upsert_stream_},
                            std::pair{"INSERT OR REPLACE INTO stream_events(key,seq,ts,frame) VALUES(?,?,?,?)", &s->insert_event_},
                            std::pair{"DELETE FROM stream_events WHERE key=? AND seq<=?", &s->trim_events_}}) {
        auto prepared = prep(sql);
        if (!prepared) return make_unexpected(std::move(prepared.error()));
        *out = *prepared;
    }
    // Load rows; rows of entities the spec no longer declares are kept on disk but not served.
    auto select = prep("SELECT entity,id,data FROM rows");
    if (!select) return make_unexpected(std::move(select.error()));
    sqlite3_stmt* q = *select;
    while (sqlite3_step(q) == SQLITE_ROW) {
        std::string entity = column_string(q, 0);
        if (!app.find_entity(entity)) continue;
        std::string id = column_string(q, 1);
        json row = json::parse(column_string(q, 2), nullptr, false);
        if (row.is_discarded() || !row.is_object()) continue;
        s->rows_[entity][id] = std::move(row);
    }
    sqlite3_finalize(q);
    for (const auto& e : app.entities) s->served_.insert(e.name);
    return s;
}

std::map<std::string, std::map<std::string, json>> store::unserved_rows(const spec::app& next) {
    std::map<std::string, std::map<std::string, json>> out;
    if (!durable_) return out;
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT id,data FROM rows WHERE entity=?", -1, &q, nullptr) != SQLITE_OK) return out;
    for (const auto& e : next.entities) {
        if (served_.count(e.name)) continue;
        sqlite3_bind_text(q, 1, e.name.data(), static_cast<int>(e.name.size()), SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            json row = json::parse(column_string(q, 1), nullptr, false);
            if (row.is_discarded() || !row.is_object()) continue;
            out[e.name][column_string(q, 0)] = std::move(row);
        }
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    sqlite3_finalize(q);
    return out;
}

void store::serve_entities(const spec::app& next, std::map<std::string, std::map<std::string, json>> loaded) {
    std::set<std::string> names;
    for (const auto& e : next.entities) names.insert(e.name);
    for (auto it = rows_.begin(); it != rows_.end();) it = names.count(it->first) ? std::next(it) : rows_.erase(it);
    for (auto& [entity, rows] : loaded)
        if (names.count(entity)) rows_[entity] = std::move(rows);
    served_ = std::move(names);
}

store::~store() {
    for (auto* st : {upsert_row_, delete_row_, upsert_stream_, insert_event_, trim_events_}) sqlite3_finalize(st);
    if (db_) sqlite3_close(db_);
}

const json* store::find(const std::string& entity, const std::string& id) const {
    auto e = rows_.find(entity);
    if (e == rows_.end()) return nullptr;
    auto r = e->second.find(id);
    return r == e->second.end() ? nullptr : &r->second;
}

const std::map<std::string, json>& store::rows(const std::string& entity) const {
    auto e = rows_.find(entity);
    return e == rows_.end() ? k_no_rows : e->second;
}

std::size_t store::row_count() const {
    std::size_t n = 0;
    for (const auto& [_, m] : rows_) n += m.size();
    return n;
}

result<void, std::string> store::commit(const std::string& entity, const std::string& id, const json* after,
                                        std::string_view data,
                                        const std::vector<stream_event>& events, std::uint32_t keep_events) {
    if (auto begun = exec("BEGIN"); !begun) return begun;
    auto fail = [&]() -> result<void, std::string> {
        std::string msg = sqlite3_errmsg(db_);
        (void)exec("ROLLBACK");
        return make_unexpected(std::move(msg));
    };
    if (after) {
        stmt_reset r{upsert_row_};
        sqlite3_bind_text(upsert_row_, 1, entity.data(), static_cast<int>(entity.size()), SQLITE_STATIC);
        sqlite3_bind_text(upsert_row_, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        sqlite3_bind_text(upsert_row_, 3, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
        if (sqlite3_step(upsert_row_) != SQLITE_DONE) return fail();
    } else {
        stmt_reset r{delete_row_};
        sqlite3_bind_text(delete_row_, 1, entity.data(), static_cast<int>(entity.size()), SQLITE_STATIC);
        sqlite3_bind_text(delete_row_, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        if (sqlite3_step(delete_row_) != SQLITE_DONE) return fail();
    }
    if (durable_) {
        for (const auto& ev : events) {
            {
                stmt_reset r{insert_event_};
                sqlite3_bind_text(insert_event_, 1, ev.stream_key.data(), static_cast<int>(ev.stream_key.size()), SQLITE_STATIC);
                sqlite3_bind_int64(insert_event_, 2, static_cast<sqlite3_int64>(ev.seq));
                sqlite3_bind_int64(insert_event_, 3, ev.ts_ms);
                sqlite3_bind_text(insert_event_, 4, ev.frame.data(), static_cast<int>(ev.frame.size()), SQLITE_STATIC);
                if (sqlite3_step(insert_event_) != SQLITE_DONE) return fail();
            }
            {
                stmt_reset r{upsert_stream_};
                sqlite3_bind_text(upsert_stream_, 1, ev.stream_key.data(), static_cast<int>(ev.stream_key.size()), SQLITE_STATIC);
                sqlite3_bind_text(upsert_stream_, 2, ev.epoch.data(), static_cast<int>(ev.epoch.size()), SQLITE_STATIC);
                sqlite3_bind_int64(upsert_stream_, 3, static_cast<sqlite3_int64>(ev.seq));
                if (sqlite3_step(upsert_stream_) != SQLITE_DONE) return fail();
            }
            if (ev.seq > keep_events) {
                stmt_reset r{trim_events_};
                sqlite3_bind_text(trim_events_, 1, ev.stream_key.data(), static_cast<int>(ev.stream_key.size()), SQLITE_STATIC);
                sqlite3_bind_int64(trim_events_, 2, static_cast<sqlite3_int64>(ev.seq - keep_events));
                if (sqlite3_step(trim_events_) != SQLITE_DONE) return fail();
            }
        }
    }
    if (auto committed = exec("COMMIT"); !committed) {
        (void)exec("ROLLBACK");
        return committed;
    }
    if (after) rows_[entity][id] = *after;
    else rows_[entity].erase(id);
    return {};
}

std::vector<store::stored_stream> store::load_streams() {
    std::vector<stored_stream> out;
    if (!durable_) return out;
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT key,epoch,top_seq FROM streams", -1, &q, nullptr) != SQLITE_OK) return out;
    std::map<std::string, std::size_t> index;
    while (sqlite3_step(q) == SQLITE_ROW) {
        stored_stream s;
        s.key = column_string(q, 0);
        s.epoch = column_string(q, 1);
        s.top_seq = static_cast<std::uint64_t>(sqlite3_column_int64(q, 2));
        index[s.key] = out.size();
        out.push_back(std::move(s));
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db_, "SELECT key,seq,ts,frame FROM stream_events ORDER BY key,seq", -1, &q, nullptr) != SQLITE_OK)
        return out;
    while (sqlite3_step(q) == SQLITE_ROW) {
        std::string key = column_string(q, 0);
        auto it = index.find(key);
        if (it == index.end()) continue;
        stream_event ev;
        ev.stream_key = key;
        ev.epoch = out[it->second].epoch;
        ev.seq = static_cast<std::uint64_t>(sqlite3_column_int64(q, 1));
        ev.ts_ms = sqlite3_column_int64(q, 2);
        ev.frame = column_string(q, 3);
        out[it->second].events.push_back(std::move(ev));
    }
    sqlite3_finalize(q);
    return out;
}

void store::save_stream(const std::string& key, const std::string& epoch, std::uint64_t top_seq) {
    if (!durable_) return;
    stmt_reset r{upsert_stream_};
    sqlite3_bind_text(upsert_stream_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_text(upsert_stream_, 2, epoch.data(), static_cast<int>(epoch.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_stream_, 3, static_cast<sqlite3_int64>(top_seq));
    sqlite3_step(upsert_stream_);
}

void store::forget_stream(const std::string& key) {
    if (!durable_) return;
    sqlite3_stmt* q = nullptr;
    for (const char* sql : {"DELETE FROM streams WHERE key=?", "DELETE FROM stream_events WHERE key=?"}) {
        if (sqlite3_prepare_v2(db_, sql, -1, &q, nullptr) != SQLITE_OK) continue;
        sqlite3_bind_text(q, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
}

}  // namespace rt::server
