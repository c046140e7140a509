// Group 4 (ordering and seq) against broken peers: each case passes straight against rt serve and
// fails through a relay in front of it that breaks exactly the rule the case checks. The rules
// keep per-connection state (a rule's lambda is copied for each relayed connection).
// helpdesk.spec: Ticket rows through TeamQueue filtered by team; MyTickets is the second stream.
#include <utility>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

using nlohmann::json;
using rt::test::edit_server_json;
using rt::test::message_is;
using rt::test::require_breaks;

TEST_CASE("4.1 fails when two events of a stream swap their rows (seq in order, commit order not)") {
    // The third event is held back until the fourth, and the two swap their data.
    require_breaks("helpdesk.spec", {}, "4.1", rt::test::rewrite_server_json([n = 0, held = json()](json m) mutable {
        if (!message_is(m, "event")) return std::vector<json>{std::move(m)};
        if (++n == 3) {
            held = std::move(m);
            return std::vector<json>{};
        }
        if (n == 4) std::swap(held["data"], m["data"]);
        return n == 4 ? std::vector<json>{std::move(held), std::move(m)} : std::vector<json>{std::move(m)};
    }), "commit order");
}

TEST_CASE("4.2 fails when integer ids come back as strings") {
    require_breaks("helpdesk.spec", {}, "4.2", edit_server_json([](json& m) {
        if (m.contains("id") && m["id"].is_number_integer()) m["id"] = m["id"].dump();
    }), "copied unchanged");
}

TEST_CASE("4.3 fails when the second reply of a connection comes after the third") {
    require_breaks("helpdesk.spec", {}, "4.3", rt::test::rewrite_server_json([n = 0, held = json()](json m) mutable {
        if (!m.contains("id")) return std::vector<json>{std::move(m)};
        if (++n == 2) {
            held = std::move(m);
            return std::vector<json>{};
        }
        return n == 3 ? std::vector<json>{std::move(m), std::move(held)} : std::vector<json>{std::move(m)};
    }), "request order");
}

TEST_CASE("4.4 fails when one change reaches only one of a connection's two streams") {
    // An event of the same change as the one before (same row, same ts) in another subscription is dropped.
    require_breaks("helpdesk.spec", {}, "4.4", rt::test::rewrite_server_json([last = json()](json m) mutable {
        if (!message_is(m, "event") || !m.contains("data")) return std::vector<json>{std::move(m)};
        const json key{m["data"].value("id", ""), m.value("ts", std::int64_t{0}), m.value("subscription", "")};
        const bool same_change = !last.is_null() && key[0] == last[0] && key[1] == last[1] && key[2] != last[2];
        last = key;
        return same_change ? std::vector<json>{} : std::vector<json>{std::move(m)};
    }), "each stream it touches gets its own");
}

TEST_CASE("4.5 fails when published does not carry the id the server assigned") {
    require_breaks("helpdesk.spec", {}, "4.5", edit_server_json([](json& m) {
        if (message_is(m, "published") && m.contains("data") && m["data"].is_object()) m["data"].erase("id");
    }), "server-assigned id");
}

TEST_CASE("4.6 fails when two sid subscriptions with one filter are numbered apart") {
    // Events of the second sid subscribed on a connection carry seq one too high.
    require_breaks("helpdesk.spec", {}, "4.6", edit_server_json([sids = std::vector<std::string>()](json& m) mutable {
        if (message_is(m, "subscribed") && m.contains("sid")) sids.push_back(m["sid"].get<std::string>());
        if (message_is(m, "event") && sids.size() >= 2 && m.value("sid", "") == sids[1]) m["seq"] = m["seq"].get<std::uint64_t>() + 1;
    }), "expected seq");
}
