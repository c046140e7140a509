// Group 3 (view transitions): each case fails against a relay in front of rt serve that breaks
// exactly its rule, and passes straight against the server.
#include <map>
#include <memory>
#include <mutex>

#include <catch2/catch.hpp>

#include "check/broken_peer.hpp"

namespace {

using nlohmann::json;
using rt::test::json_sides;

// helpdesk.spec's TicketAudit: every change to every ticket (no view).
const char* const transitions_whole_entity_sub = "TicketAudit";

// The tests' server, and rt check's shape of its app (the subscription the cases watch, its filter).
struct transitions_setup {
    rt::test::check_fixture fx{"helpdesk.spec"};
    rt::check::app_shape shape = transitions_shape(fx);

    static rt::check::app_shape transitions_shape(rt::test::check_fixture& f) {
        auto in = rt::check::prepare_check(f.server.ws_url(), "", f.spec_file, std::chrono::milliseconds(2000));
        REQUIRE(in.ok());
        REQUIRE(in->shape.entity == "Ticket");
        return in->shape;
    }
};

bool transitions_is_event(const json& m, const char* op) { return m.value("type", "") == "event" && m.value("operation", "") == op; }

bool transitions_is_publish(const json& m, const char* op) { return m.value("type", "") == "publish" && m.value("operation", "") == op; }

// Every change the clients publish, as the relay saw it go by (shared by every connection).
struct transitions_publishes {
    std::mutex mu;
    std::string last_op;                // the operation of the latest publish
    std::map<std::string, json> fields;  // row id → the fields of its latest update
    bool moved = false;                 // the latest update changed the filter attribute
};

// A relay that records the clients' publishes, and lets `server` rewrite the server's
// messages knowing them.
rt::test::rule_factory transitions_watching(const rt::check::app_shape& shape,
                                            std::function<std::vector<json>(json, transitions_publishes&)> server) {
    auto log = std::make_shared<transitions_publishes>();
    return rt::test::rewrite_json_both_ways([log, server, filter_attr = shape.filter_attr] {
        json_sides s;
        s.from_client = [log, filter_attr](json m) {
            if (m.value("type", "") == "publish") {
                std::lock_guard<std::mutex> lock(log->mu);
                log->last_op = m.value("operation", "");
                if (transitions_is_publish(m, "update") && m.contains("data") && m["data"].is_object()) {
                    log->fields[m["data"].value("id", "")] = m["data"];
                    log->moved = m["data"].contains(filter_attr);
                }
            }
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [log, server](json m) {
            std::lock_guard<std::mutex> lock(log->mu);
            return server(std::move(m), *log);
        };
        return s;
    });
}

}  // namespace

TEST_CASE("3.1 fails when a row entering the view is announced as an update") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.1", rt::test::rewrite_server_json([](json m) {
        if (transitions_is_event(m, "insert")) m["operation"] = "update";
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.2 fails when an update event carries only the changed fields") {
    // Per connection: the row each event showed last, so an update can be cut to what changed.
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.2", rt::test::rewrite_server_json([seen = std::map<std::string, json>()](json m) mutable {
        if (m.value("type", "") != "event" || !m.contains("data")) return std::vector<json>{std::move(m)};
        const std::string id = m["data"].value("id", "");
        const json full = m["data"];
        if (transitions_is_event(m, "update")) {
            json patch{{"id", id}};
            for (const auto& [k, v] : full.items())
                if (!seen[id].contains(k) || seen[id][k] != v) patch[k] = v;
            m["data"] = patch;
        }
        seen[id] = full;
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.3 fails when the delete for a row leaving the view carries the row after the change") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.3", transitions_watching(t.shape, [](json m, transitions_publishes& log) {
        if (transitions_is_event(m, "delete")) {
            auto it = log.fields.find(m["data"].value("id", ""));
            if (it != log.fields.end()) m["data"].update(it->second);
        }
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.4 fails when a row entering the view by an update is announced as an update") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.4", transitions_watching(t.shape, [](json m, transitions_publishes& log) {
        if (transitions_is_event(m, "insert") && log.last_op == "update") m["operation"] = "update";
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.5 fails when the view's where is ignored (changes to rows outside it are sent)") {
    // The subscriber is served the entity's every change (TicketAudit) under the name it asked for.
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.5", rt::test::rewrite_json_both_ways([sub = t.shape.subscription] {
        json_sides s;
        s.from_client = [sub](json m) {
            if (m.value("type", "") == "subscribe" && m.value("subscription", "") == sub)
                m["subscription"] = transitions_whole_entity_sub;
            return std::vector<json>{std::move(m)};
        };
        s.from_server = [sub](json m) {
            if (m.value("subscription", "") == transitions_whole_entity_sub) m["subscription"] = sub;
            return std::vector<json>{std::move(m)};
        };
        return s;
    }));
}

TEST_CASE("3.6 fails when the delete event carries only the row's id") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.6", rt::test::rewrite_server_json([](json m) {
        if (transitions_is_event(m, "delete")) m["data"] = json{{"id", m["data"]["id"]}};
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.7 fails when the subscribe filter is ignored (every filter value's changes are sent)") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.7", rt::test::rewrite_client_json([](json m) {
        if (m.value("type", "") == "subscribe") m.erase("filter");
        return std::vector<json>{std::move(m)};
    }));
}

TEST_CASE("3.8 fails when the old stream gets no delete as a row's filter value changes") {
    transitions_setup t;
    rt::test::require_breaks(t.fx, "3.8", transitions_watching(t.shape, [](json m, transitions_publishes& log) {
        if (transitions_is_event(m, "delete") && log.moved) return std::vector<json>{};
        return std::vector<json>{std::move(m)};
    }));
}
