// Group 5 (resume with since) against broken peers: each case passes straight against rt serve
// and fails through a relay in front of it that breaks exactly the rule the case checks. The
// server keeps 10 events per stream, so 5.6 overflows the buffer with 11 publishes.
#include <memory>
#include <set>
#include <utility>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

namespace {

using nlohmann::json;
using resume_out = std::vector<json>;
using rt::test::message_is;

// helpdesk.spec (Ticket rows through TeamQueue filtered by team), 10 events per stream.
void resume_require_broken(const std::string& id, rt::test::rule_factory rule, const std::string& why) {
    rt::test::require_breaks("helpdesk.spec", {"--replay-events", "10"}, id, std::move(rule), why);
}

bool resume_recovered(const json& m) { return message_is(m, "subscribed") && m.value("recovered", false); }

// Rewrites the events a connection gets after a recovered:true `subscribed` up to its seq (the
// replayed ones) with `edit`, which may drop one by returning false. Per connection.
rt::test::rule_factory resume_edit_replayed(std::function<bool(json&)> edit) {
    return rt::test::rewrite_server_json([edit, top = std::uint64_t{0}](json m) mutable {
        if (resume_recovered(m)) top = m.value("seq", std::uint64_t{0});
        if (message_is(m, "event") && m.value("seq", ~std::uint64_t{0}) <= top && !edit(m)) return resume_out{};
        return resume_out{std::move(m)};
    });
}

// Answers every resume (a subscribe with since) recovered:true without initial, whatever its since
// holds: a server that checks neither the epoch, nor the stream's top, nor its replay buffer. It
// sees the client's subscribes to know which replies answer a resume.
rt::test::rule_factory resume_always_recovered() {
    return rt::test::rewrite_json_both_ways([] {
        // Both sides run on the connection's one thread: no lock.
        auto resumes = std::make_shared<std::set<std::string>>();
        rt::test::json_sides s;
        s.from_client = [resumes](json m) {
            if (message_is(m, "subscribe") && m.contains("since") && m.contains("id")) resumes->insert(m["id"].dump());
            return resume_out{std::move(m)};
        };
        s.from_server = [resumes](json m) {
            if (message_is(m, "subscribed") && m.contains("id") && resumes->count(m["id"].dump()) && !resume_recovered(m)) {
                m["recovered"] = true;
                m.erase("initial");
            }
            return resume_out{std::move(m)};
        };
        return s;
    });
}

}  // namespace

TEST_CASE("5.1 fails when the first missed event is left out of the replay") {
    resume_require_broken("5.1", resume_edit_replayed([dropped = false](json&) mutable { return std::exchange(dropped, true); }),
                          "exactly the missed events");
}

TEST_CASE("5.2 fails when a replayed event carries another ts than the live one") {
    resume_require_broken("5.2", resume_edit_replayed([](json& e) {
        e["ts"] = e.value("ts", std::int64_t{0}) + 1;
        return true;
    }), "sent live");
}

TEST_CASE("5.3 fails when a resume that missed nothing is answered recovered:false") {
    resume_require_broken("5.3", rt::test::edit_server_json([](json& m) {
        if (!resume_recovered(m)) return;
        m["recovered"] = false;
        m["initial"] = json::array();
    }), "without recovered:true");
}

TEST_CASE("5.4 fails when a resume from another epoch is answered recovered:true") {
    resume_require_broken("5.4", resume_always_recovered(), "another epoch");
}

TEST_CASE("5.5 fails when a resume ahead of the stream is answered recovered:true") {
    resume_require_broken("5.5", resume_always_recovered(), "ahead of the stream");
}

TEST_CASE("5.6 fails when a resume that missed more than the buffer holds is answered recovered:true") {
    resume_require_broken("5.6", resume_always_recovered(), "the buffer holds");
}

TEST_CASE("5.7 fails when replayed events of a sid subscription carry no sid") {
    resume_require_broken("5.7", resume_edit_replayed([](json& e) {
        e.erase("sid");
        return true;
    }), "carries no sid");
}
