#include "client/publisher.hpp"

#include <deque>
#include <map>

#include "client/client_args.hpp"
#include "protocol/token_bucket.hpp"
#include "protocol/units.hpp"

namespace rt::client {

using proto::json;

namespace {

result<proto::operation, std::string> parse_op(std::string_view op, std::string_view what) {
    if (auto o = proto::operation_from_wire(op)) return *o;
    return make_unexpected(std::string(what) + ": expected insert, update or delete, got '" + std::string(op) + "'");
}

// One input item for the engine: its line number and either a request or why it is invalid.
struct input_item {
    std::uint64_t line = 0;
    result<publish_request, std::string> request;
};
using item_source = std::function<std::optional<input_item>()>;

// A line in input order: sent and waiting for its reply, or already decided.
struct slot {
    std::uint64_t line = 0;
    std::uint64_t id = 0;  // request id; 0 when never sent (invalid input)
    bool done = false;
    publish_outcome outcome;
};

publish_outcome failure(std::uint64_t line, std::string code, std::string message) {
    publish_outcome o;
    o.line = line;
    o.error_code = std::move(code);
    o.message = std::move(message);
    return o;
}

publish_totals run_items(sync_client& client, const item_source& next, const outcome_sink& sink,
                         const publish_options& options) {
    using clock = std::chrono::steady_clock;
    publish_totals totals;
    std::deque<slot> queue;                // input order
    std::map<std::uint64_t, slot*> by_id;  // awaiting a reply (pointers into queue: deque push_back keeps them)
    proto::token_bucket bucket(options.rate_per_s, options.burst);
    const bool paced = options.rate_per_s > 0;
    const std::size_t window = options.window == 0 ? 1 : options.window;
    std::uint64_t next_id = 1;
    bool eof = false, stopping = false;
    auto last_progress = clock::now();

    auto settle = [&](slot& s, publish_outcome o) {
        s.done = true;
        s.outcome = std::move(o);
        if (!s.outcome.ok && !options.keep_going) stopping = true;
    };

    for (;;) {
        // Send while the window and the rate allow.
        std::chrono::milliseconds token_wait{0};
        while (!stopping && !eof && by_id.size() < window) {
            const double tokens = paced ? bucket.available(clock::now()) : 1;
            if (tokens < 1) {
                const double missing = 1 - tokens;
                token_wait = std::chrono::milliseconds(static_cast<long long>(missing * 1000 / options.rate_per_s) + 1);
                break;
            }
            auto item = next();
            if (!item) {
                eof = true;
                break;
            }
            queue.push_back(slot{});
            slot& s = queue.back();
            s.line = item->line;
            if (!item->request) {
                settle(s, failure(item->line, "INVALID_INPUT", item->request.error()));
                continue;
            }
            if (paced) bucket.try_take(clock::now());
            s.id = next_id++;
            if (auto ec = client.send(encode_publish(*item->request, s.id))) {
                settle(s, failure(s.line, "CONNECTION_LOST", "cannot send: " + ec.message()));
                s.id = 0;
                stopping = true;
                continue;
            }
            if (by_id.empty()) last_progress = clock::now();
            by_id[s.id] = &s;
        }
        // Report finished lines from the front, in input order.
        while (!queue.empty() && queue.front().done) {
            const publish_outcome& o = queue.front().outcome;
            if (o.ok) ++totals.ok; else ++totals.failed;
            sink(o);
            queue.pop_front();
        }
        if (queue.empty() && (eof || stopping)) break;

        std::chrono::milliseconds wait = options.reply_timeout;
        if (by_id.empty()) {
            if (token_wait.count() == 0) continue;  // nothing in flight and nothing to wait for
            wait = token_wait;
        } else if (token_wait.count() > 0 && token_wait < wait) {
            wait = token_wait;
        }
        auto frame = client.receive(wait);
        if (!frame) {
            if (by_id.empty()) continue;  // only waited for a token
            const bool closed = client.is_closed();
            if (!closed && clock::now() - last_progress < options.reply_timeout) continue;
            const std::string code = closed ? "CONNECTION_LOST" : "TIMEOUT";
            const std::string why = closed ? "connection closed before the reply (" + std::to_string(client.close_code()) +
                                                 (client.close_reason().empty() ? "" : " " + client.close_reason()) +
                                                 "); the change may or may not have been applied"
                                           : "no reply within " + proto::format_duration_us(options.reply_timeout);
            for (auto& [id, s] : by_id) settle(*s, failure(s->line, code, why));
            by_id.clear();
            stopping = true;
            continue;
        }
        auto reply = proto::decode_server(*frame);
        if (!reply || !reply->id.is_number_unsigned()) continue;  // not a reply of ours (presence, ...)
        auto it = by_id.find(reply->id.get<std::uint64_t>());
        if (it == by_id.end()) continue;
        slot& s = *it->second;
        by_id.erase(it);
        last_progress = clock::now();
        if (auto* published = std::get_if<proto::published_msg>(&reply->body)) {
            publish_outcome o;
            o.line = s.line;
            o.ok = true;
            o.data = published->data.is_null() ? json::object() : std::move(published->data);
            settle(s, std::move(o));
        } else if (const auto* refused = std::get_if<proto::error_msg>(&reply->body)) {
            settle(s, failure(s.line, std::string(proto::to_wire(refused->error.code)), refused->error.message));
        } else {
            settle(s, failure(s.line, "BAD_REPLY", "unexpected reply: " + *frame));
        }
    }
    return totals;
}

}  // namespace

result<publish_request, std::string> make_publish_request(std::string_view entity, std::string_view op,
                                                          const std::optional<std::string>& id,
                                                          std::string_view data_text) {
    publish_request r;
    if (entity.empty()) return make_unexpected(std::string("ENTITY: must not be empty"));
    r.entity = std::string(entity);
    auto o = parse_op(op, "--op");
    if (!o) return make_unexpected(o.error());
    r.op = *o;
    if (data_text.empty()) {
        r.data = json::object();
    } else {
        auto d = parse_json_object(data_text, "--data");
        if (!d) return make_unexpected(d.error());
        r.data = std::move(*d);
    }
    if (id) {
        auto existing = r.data.find("id");
        if (existing != r.data.end() && !(existing->is_string() && existing->get<std::string>() == *id))
            return make_unexpected("--id: data.id is " + existing->dump() + " but --id is '" + *id + "'");
        r.data["id"] = *id;
    }
    if (r.op != proto::operation::insert && !r.data.contains("id"))
        return make_unexpected(std::string(proto::to_wire(r.op)) + " needs the row's id: --id ID or \"id\" in --data");
    return r;
}

result<publish_request, std::string> parse_publish_line(std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return make_unexpected(std::string("not valid JSON"));
    if (!j.is_object()) return make_unexpected(std::string("expected a JSON object {\"entity\":..,\"operation\":..,\"data\":{..}}"));
    auto e = j.find("entity");
    if (e == j.end()) return make_unexpected(std::string("missing \"entity\""));
    if (!e->is_string() || e->get<std::string>().empty())
        return make_unexpected(std::string("\"entity\" must be a non-empty string"));
    auto op = j.find("operation");
    if (op == j.end()) return make_unexpected(std::string("missing \"operation\""));
    if (!op->is_string()) return make_unexpected(std::string("\"operation\" must be a string"));
    auto o = parse_op(op->get<std::string>(), "\"operation\"");
    if (!o) return make_unexpected(o.error());
    auto d = j.find("data");
    if (d == j.end()) return make_unexpected(std::string("missing \"data\""));
    if (!d->is_object()) return make_unexpected(std::string("\"data\" must be an object"));
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "entity" && it.key() != "operation" && it.key() != "data")
            return make_unexpected("unknown field \"" + it.key() + "\"");
    publish_request r;
    r.entity = e->get<std::string>();
    r.op = *o;
    r.data = std::move(*d);
    return r;
}

std::string encode_publish(const publish_request& r, std::uint64_t id) {
    proto::client_message m;
    m.id = id;
    m.body = proto::publish_msg{r.entity, r.op, r.data};
    return proto::encode_client(m);
}

publish_totals run_publish(sync_client& client, const line_source& next, const outcome_sink& sink,
                           const publish_options& options) {
    std::uint64_t line_no = 0;
    item_source items = [&]() -> std::optional<input_item> {
        for (;;) {
            auto line = next();
            if (!line) return std::nullopt;
            ++line_no;
            if (line->find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
            return input_item{line_no, parse_publish_line(*line)};
        }
    };
    return run_items(client, items, sink, options);
}

publish_totals run_publish_one(sync_client& client, const publish_request& request, const outcome_sink& sink,
                               const publish_options& options) {
    bool given = false;
    item_source items = [&]() -> std::optional<input_item> {
        if (given) return std::nullopt;
        given = true;
        return input_item{1, request};
    };
    return run_items(client, items, sink, options);
}

}  // namespace rt::client
