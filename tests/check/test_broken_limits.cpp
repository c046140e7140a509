// Group 7 (limits) against broken peers: each case fails against a relay in front of rt serve
// (default limits) that lets one message past the limit through as if the server had no limit,
// and passes straight against rt serve.
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

using namespace rt::test;
using nlohmann::json;

namespace {

using lim_messages = std::vector<json>;

// rt serve's defaults (docs/protocol.md §12), which the fixture's server runs with.
constexpr std::size_t lim_frame_bytes = 64 * 1024;
constexpr std::size_t lim_name_bytes = 256;
constexpr std::size_t lim_subscriptions = 50;
constexpr std::size_t lim_presence_resources = 20;

}  // namespace

TEST_CASE("7.1 fails when a frame over max_frame_bytes is ignored instead of closing with 1009") {
    check_fixture fx;
    require_breaks(fx, "7.1", edit_client_frames([](rt::check::ws_frame f) -> std::optional<rt::check::ws_frame> {
        if (f.payload.size() > lim_frame_bytes) return std::nullopt;
        return f;
    }), "did not close the connection");
}

TEST_CASE("7.2 fails when a subscription past max_subscriptions is accepted") {
    check_fixture fx;
    // A server without the limit: the relay frees a place (unsubscribes the first sid) before the one too many.
    require_breaks(fx, "7.2", rewrite_client_json([n = std::size_t(0), first = std::string()](json m) mutable {
        if (m.value("type", "") != "subscribe" || !m.contains("sid")) return lim_messages{m};
        if (n++ == 0) first = m["sid"].get<std::string>();
        if (n <= lim_subscriptions) return lim_messages{m};
        return lim_messages{json{{"type", "unsubscribe"}, {"sid", first}}, m};
    }), "expected error TOO_MANY_SUBSCRIPTIONS");
}

TEST_CASE("7.3 fails when a filter over max_filter_bytes is accepted") {
    check_fixture fx;
    // rt serve would refuse it, so the relay shortens the filter's long values: the subscribe is accepted.
    require_breaks(fx, "7.3", rewrite_client_json([](json m) {
        if (m.value("type", "") == "subscribe" && m.contains("filter") && m["filter"].is_object())
            for (auto& [k, v] : m["filter"].items())
                if (v.is_string() && v.get<std::string>().size() > 100) v = v.get<std::string>().substr(0, 100);
        return lim_messages{m};
    }), "expected error INVALID_FILTER");
}

TEST_CASE("7.4 fails when a name over max_name_bytes is read (UNKNOWN_SUBSCRIPTION instead of BAD_REQUEST)") {
    check_fixture fx;
    require_breaks(fx, "7.4", rewrite_client_json([](json m) {
        if (m.contains("subscription") && m["subscription"].is_string() && m["subscription"].get<std::string>().size() > lim_name_bytes)
            m["subscription"] = m["subscription"].get<std::string>().substr(0, lim_name_bytes);
        return lim_messages{m};
    }), "expected error BAD_REQUEST");
}

TEST_CASE("7.5 fails when a message nested deeper than max_depth is read") {
    check_fixture fx;
    // rt serve would refuse it, so the relay drops the nested objects of data: the message is read.
    require_breaks(fx, "7.5", rewrite_client_json([](json m) {
        if (m.contains("data") && m["data"].is_object())
            for (auto it = m["data"].begin(); it != m["data"].end();) {
                if (it->is_object()) it = m["data"].erase(it);
                else ++it;
            }
        return lim_messages{m};
    }), "expected error BAD_REQUEST");
}

TEST_CASE("7.6 fails when a burst over rate_burst is never RATE_LIMITED") {
    check_fixture fx;
    // The messages past the burst go unanswered, as from a server that drops them without a word.
    require_breaks(fx, "7.6", rewrite_server_json([](json m) {
        return m.value("code", "") == "RATE_LIMITED" ? lim_messages{} : lim_messages{m};
    }), "a pong or RATE_LIMITED");
}

TEST_CASE("7.7 fails when a presence meta over max_presence_meta_bytes is accepted") {
    check_fixture fx;
    require_breaks(fx, "7.7", rewrite_client_json([](json m) {
        if (m.value("type", "") == "presence" && m.contains("meta") && m["meta"].dump().size() > 1024) m["meta"] = json::object();
        return lim_messages{m};
    }), "instead of BAD_REQUEST");
}

TEST_CASE("7.8 fails when a presence join past max_presence_resources is accepted") {
    check_fixture fx;
    // A server without the limit: the relay leaves the first resource before the join too many.
    require_breaks(fx, "7.8", rewrite_client_json([n = std::size_t(0), first = std::string()](json m) mutable {
        if (m.value("type", "") != "presence" || m.value("action", "") != "join") return lim_messages{m};
        if (n++ == 0) first = m["resource"].get<std::string>();
        if (n <= lim_presence_resources) return lim_messages{m};
        return lim_messages{json{{"type", "presence"}, {"action", "leave"}, {"resource", first}}, m};
    }), "instead of TOO_MANY_SUBSCRIPTIONS");
}
