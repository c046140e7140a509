// Group 7: the limits a server announces in GET /api/_info are enforced (docs/protocol.md §12
// Limits): one message past each gets its answer, one at the limit is still read. A case skips
// when its limit is not announced, or is too large to reach with few messages.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "check/case_list.hpp"
#include "check/case_outcome.hpp"
#include "check/change_budget.hpp"
#include "check/error_reply.hpp"

namespace rt::check {

namespace {

// Past these the case would send too much to stay fast (and inside the rate limits).
constexpr double limit_max_count = 200;           // subscriptions or presence resources to hold
constexpr double limit_max_frame = 16 << 20;      // bytes in one frame
constexpr double limit_max_depth = 10000;         // nesting levels
constexpr double limit_max_burst = 1000;          // messages in one burst

// need_limit(key) as a count the case will reach with `messages` messages on one connection:
// skip when it is too large, or when those messages alone would pass the announced rate burst.
std::size_t limit_count(case_context& c, const std::string& key, std::size_t extra_messages) {
    const double v = c.need_limit(key);
    if (v > limit_max_count) skip(key + " is " + std::to_string(static_cast<long long>(v)) + ": too many to fill in a quick case");
    const std::size_t n = static_cast<std::size_t>(v);
    if (auto burst = c.info().limit("rate_burst"); burst && static_cast<double>(n + extra_messages) > *burst)
        skip("filling " + key + " takes more messages than rate_burst allows at once");
    return n;
}

// skip() unless a message of about `bytes` fits in one frame of the server.
void limit_need_frame(case_context& c, double bytes) {
    auto frame = c.info().limit("max_frame_bytes");
    if (frame && bytes + 512 > *frame) skip("a message past this limit would not fit in max_frame_bytes");
}

// `m` padded (in its string field `key`, "" when called) to exactly `bytes` of compact JSON.
json limit_padded(json m, const std::string& key, std::size_t bytes) {
    const std::size_t base = m.dump().size();
    if (bytes < base) fail("cannot build a message of " + std::to_string(bytes) + " bytes (the smallest is " + std::to_string(base) + ")");
    m[key] = m[key].get<std::string>() + std::string(bytes - base, 'x');
    return m;
}

// `levels` objects nested in one another: {"d":{"d":{}}} is 3.
json limit_nested(std::size_t levels) {
    json v = json::object();
    for (std::size_t i = 1; i < levels; ++i) v = json{{"d", v}};
    return v;
}

// Sends a presence join of `resource` with `meta`; its id.
json limit_join(case_context& c, check_peer& p, const std::string& resource, const json& meta) {
    const json id = c.next_id();
    p.send(json{{"type", "presence"}, {"id", id}, {"action", "join"}, {"resource", resource}, {"meta", meta}});
    return id;
}

// The answer to join `id`: the presence message of `resource` (§11: the sender always gets the
// list), or the error with `id`. A FORBIDDEN join skips: the check's token may not use presence.
json limit_join_answer(check_peer& p, const json& id, const std::string& resource) {
    const json m = p.expect(
        [&](const json& x) {
            return (x.value("type", "") == "presence" && x.value("resource", "") == resource) ||
                   (x.contains("id") && x["id"] == id);
        },
        "the presence list of " + resource + " (or an error with id " + id.dump() + ")");
    if (m.value("type", "") == "error" && m.value("code", "") == "FORBIDDEN") skip("the token may not join presence resources");
    return m;
}

void frame_over_limit_closes(case_context& c) {
    const double limit = c.need_limit("max_frame_bytes");
    if (limit > limit_max_frame) skip("max_frame_bytes is more than 16 MiB: too much to send in a quick case");
    const std::size_t n = static_cast<std::size_t>(limit);
    check_peer& a = c.connect();
    // A frame of exactly the limit is read: its unknown field is refused, the connection kept.
    const json id = c.next_id();
    const json m{{"type", "ping"}, {"id", id}, {"rtcheck_pad", ""}};
    a.send(limit_padded(m, "rtcheck_pad", n));
    expect_refusal(a, id, "BAD_REQUEST");
    a.send(limit_padded(m, "rtcheck_pad", n + 1));
    const auto code = a.wait_close(a.step_timeout());
    if (!code) fail("a frame of max_frame_bytes + 1 (" + std::to_string(n + 1) + " bytes) did not close the connection (expected 1009)");
    if (*code != 1009) fail("a frame of max_frame_bytes + 1 closed the connection with " + std::to_string(*code) + " instead of 1009");
}

void subscriptions_over_limit_refused(case_context& c) {
    c.need_feature("sid");
    const std::size_t n = limit_count(c, "max_subscriptions", 4);
    reserve_changes(c, 2);  // the insert into the refused subscription's stream, its cleanup
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription;
    std::vector<json> ids;
    for (std::size_t i = 0; i < n; ++i) {
        ids.push_back(c.next_id());
        a.send(json{{"type", "subscribe"}, {"id", ids.back()}, {"subscription", sub}, {"sid", "rtcheck-" + std::to_string(i)},
                    {"filter", c.filter(c.fresh_value())}});
    }
    for (const json& id : ids) a.reply_of(id, "subscribed");
    const std::string v = c.fresh_value();
    const json id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", sub}, {"sid", "rtcheck-over"}, {"filter", c.filter(v)}});
    expect_refusal(a, id, "TOO_MANY_SUBSCRIPTIONS");
    expect_not_subscribed(c, a, v);
}

void filter_over_limit_refused(case_context& c) {
    const double limit = c.need_limit("max_filter_bytes");
    limit_need_frame(c, limit);
    const std::size_t n = static_cast<std::size_t>(limit);
    check_peer& a = c.connect();
    const std::string sub = c.shape().subscription, attr = c.shape().filter_attr;
    for (std::size_t bytes : {n + 1, n}) {
        const json filter = limit_padded(c.filter(c.fresh_value()), attr, bytes);
        const json id = c.next_id();
        a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", sub}, {"filter", filter}});
        if (bytes > n) expect_refusal(a, id, "INVALID_FILTER");
        else a.reply_of(id, "subscribed");  // at the limit: allowed
    }
}

void name_over_limit_refused(case_context& c) {
    const double limit = c.need_limit("max_name_bytes");
    limit_need_frame(c, limit);
    const std::size_t n = static_cast<std::size_t>(limit);
    check_peer& a = c.connect();
    json id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", std::string(n + 1, 'R')}});
    expect_refusal(a, id, "BAD_REQUEST");
    // A name of exactly the limit is read, and then not found.
    id = c.next_id();
    a.send(json{{"type", "subscribe"}, {"id", id}, {"subscription", std::string(n, 'R')}});
    expect_refusal(a, id, "UNKNOWN_SUBSCRIPTION");
}

void depth_over_limit_refused(case_context& c) {
    const double limit = c.need_limit("max_depth");
    if (limit > limit_max_depth || limit < 3) skip("max_depth is " + std::to_string(static_cast<long long>(limit)) + ": out of this case's range");
    limit_need_frame(c, limit * 8);
    const std::size_t depth = static_cast<std::size_t>(limit);
    reserve_changes(c, 2);  // the two deletes
    check_peer& pub = c.publisher();
    // A delete ignores the fields of data besides id: the nesting is the only thing wrong with it.
    // The message is level 1 and data level 2, so rtcheck_nested adds depth - 2 levels to reach depth.
    for (std::size_t total : {depth + 1, depth}) {
        const json id = c.next_id();
        pub.send(json{{"type", "publish"}, {"id", id}, {"entity", c.shape().entity}, {"operation", "delete"},
                      {"data", {{"id", c.fresh_value()}, {"rtcheck_nested", limit_nested(total - 2)}}}});
        // Too deep, the parser may stop before it reads the id; at the limit the message is read:
        // the row does not exist.
        if (total > depth) expect_refusal_maybe_unread(pub, id, "BAD_REQUEST");
        else expect_refusal(pub, id, "NOT_FOUND");
    }
}

void burst_over_limit_rate_limited(case_context& c) {
    const double burst = c.need_limit("rate_burst");
    if (burst > limit_max_burst) skip("rate_burst is more than 1000 messages: too many for a quick case");
    const double per_s = c.need_limit("rate_per_s");
    // Enough past the burst that the bucket's refill while the server reads them (a busy machine:
    // 40 messages are 0.4 s at 100/s) cannot absorb them all; few enough that the refusals stay
    // under abuse_close_after (which closes with 1008 instead).
    std::size_t over = 40;
    if (auto abuse = c.info().limit("abuse_close_after")) {
        over = std::min<std::size_t>(over, static_cast<std::size_t>(*abuse * 3 / 4));
        if (over < 2) skip("abuse_close_after is below 3: one burst past the limit would close the connection");
    }
    const std::size_t sent = static_cast<std::size_t>(burst) + over;
    check_peer& a = c.connect();
    for (std::size_t i = 0; i < sent; ++i) a.send(json{{"type", "ping"}, {"id", "rtcheck-burst-" + std::to_string(i)}});
    // Every ping gets a pong or (without id: it was not read) RATE_LIMITED.
    std::size_t pongs = 0, limited = 0;
    while (pongs + limited < sent) {
        const json m = a.expect(
            [](const json& x) {
                return (x.value("type", "") == "pong" && x.value("id", json()).is_string()) ||
                       (x.value("type", "") == "error" && x.value("code", "") == "RATE_LIMITED");
            },
            "a pong or RATE_LIMITED for each of the " + std::to_string(sent) + " pings sent at once (" +
                std::to_string(pongs) + " pongs and " + std::to_string(limited) + " RATE_LIMITED so far)");
        if (m.value("type", "") == "pong") ++pongs;
        else if (m.contains("id")) fail("RATE_LIMITED for a message that was not read cannot carry an id: " + m.dump());
        else ++limited;
    }
    if (limited == 0)
        fail(std::to_string(sent) + " pings sent at once (rate_burst " + std::to_string(static_cast<long long>(burst)) +
             ") were all answered; expected RATE_LIMITED past the burst");
    // The bucket refills at rate_per_s: after two messages' worth of time the connection answers again.
    const ms refill(static_cast<long long>(std::ceil(2000.0 / std::max(per_s, 1.0))) + 20);
    a.expect_none([](const json& m) { return m.value("type", "") == "error"; }, "error while the rate bucket refills", refill);
    a.sync();
}

void presence_meta_over_limit_refused(case_context& c) {
    c.need_feature("presence");
    const double limit = c.need_limit("max_presence_meta_bytes");
    limit_need_frame(c, limit);
    const std::size_t n = static_cast<std::size_t>(limit);
    check_peer& a = c.connect();
    const std::string over = "rtcheck:" + c.fresh_value(), at = "rtcheck:" + c.fresh_value();
    const json big_id = limit_join(c, a, over, limit_padded(json{{"rtcheck_pad", ""}}, "rtcheck_pad", n + 1));
    const json big = limit_join_answer(a, big_id, over);
    if (big.value("type", "") != "error" || big.value("code", "") != "BAD_REQUEST")
        fail("a join with a meta of max_presence_meta_bytes + 1 was answered " + big.dump() + " instead of BAD_REQUEST");
    a.sync();
    a.expect_none([&](const json& m) { return m.value("type", "") == "presence"; }, "presence list: the refused join must not have joined", ms(0));
    const json ok_id = limit_join(c, a, at, limit_padded(json{{"rtcheck_pad", ""}}, "rtcheck_pad", n));
    const json ok = limit_join_answer(a, ok_id, at);
    if (ok.value("type", "") != "presence") fail("a join with a meta of exactly max_presence_meta_bytes was refused: " + ok.dump());
}

void presence_resources_over_limit_refused(case_context& c) {
    c.need_feature("presence");
    const std::size_t n = limit_count(c, "max_presence_resources", 4);
    check_peer& a = c.connect();
    std::vector<std::pair<json, std::string>> joins;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string r = "rtcheck:" + c.fresh_value();
        joins.emplace_back(limit_join(c, a, r, json::object()), r);
    }
    for (const auto& [id, r] : joins) {
        const json m = limit_join_answer(a, id, r);
        if (m.value("type", "") != "presence") fail("join " + r + " (within max_presence_resources) was refused: " + m.dump());
    }
    const std::string r = "rtcheck:" + c.fresh_value();
    const json m = limit_join_answer(a, limit_join(c, a, r, json::object()), r);
    if (m.value("type", "") != "error" || m.value("code", "") != "TOO_MANY_SUBSCRIPTIONS")
        fail("a join past max_presence_resources (" + std::to_string(n) + ") was answered " + m.dump() + " instead of TOO_MANY_SUBSCRIPTIONS");
    a.sync();
}

}  // namespace

case_group limit_cases(int number) {
    return make_group(number, "limits", "Limits the server announces are enforced",
                      {
                          {"", "a frame over max_frame_bytes: close 1009 (one of exactly the limit is read)", "§12 Limits", frame_over_limit_closes},
                          {"", "one subscription more than max_subscriptions: TOO_MANY_SUBSCRIPTIONS, not subscribed", "§12 Limits", subscriptions_over_limit_refused},
                          {"", "a filter over max_filter_bytes: INVALID_FILTER (one of exactly the limit is allowed)", "§12 Limits", filter_over_limit_refused},
                          {"", "a name over max_name_bytes: BAD_REQUEST (one of exactly the limit is read)", "§12 Limits", name_over_limit_refused},
                          {"", "a message nested deeper than max_depth: BAD_REQUEST (one at the limit is read)", "§12 Limits", depth_over_limit_refused},
                          {"", "a burst over rate_burst messages: RATE_LIMITED without id, the connection kept", "§12 Limits", burst_over_limit_rate_limited},
                          {"", "a presence meta over max_presence_meta_bytes: BAD_REQUEST, not joined", "§12 Limits", presence_meta_over_limit_refused},
                          {"", "a presence join past max_presence_resources: TOO_MANY_SUBSCRIPTIONS", "§12 Limits", presence_resources_over_limit_refused},
                      });
}

}  // namespace rt::check
