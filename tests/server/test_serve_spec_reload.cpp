// Live spec reload (rt serve --watch, SIGHUP; docs/operations.md "Live spec reload"): against a real
// server, with a small spec of its own. Unchanged subscriptions keep epoch and seq, changed ones
// resync, removed ones end, every connection hears `spec_changed`; bad specs, misfit rows and tokens
// files that no longer match are refused while the old spec keeps serving.
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "support/proc_stats.hpp"
#include "support/redis_process.hpp"
#include "support/sse_client.hpp"
#include "jwt_fixtures.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

const char* const k_shop_v1 = R"(app Shop {
  entity Item {
    attr name: string
    attr state: "new" | "sold"
  }
  entity Note { attr text: string }
  view Visible: Item where state != "sold"
  subscription VisibleItems: view Visible
  subscription AllItems: Item
  subscription AllNotes: Note
}
)";

// Visible's where flips (VisibleItems changes), AllNotes goes, NewNotes comes; AllItems stays.
const char* const k_shop_v2 = R"(app Shop {
  entity Item {
    attr name: string
    attr state: "new" | "sold"
  }
  entity Note { attr text: string }
  view Visible: Item where state == "sold"
  subscription VisibleItems: view Visible
  subscription AllItems: Item
  subscription NewNotes: Note
}
)";

// Writes `text` to `path` the way editors save: a new file renamed over the old one.
void save_spec(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    { std::ofstream(tmp) << text; }
    REQUIRE(std::rename(tmp.c_str(), path.c_str()) == 0);
}

std::string shop_spec(const std::string& name, const std::string& text = k_shop_v1) {
    std::string path = temp_path(name);
    save_spec(path, text);
    return path;
}

json item(const std::string& id, const std::string& state) { return {{"id", id}, {"name", "item " + id}, {"state", state}}; }

// The next message, whatever its type (the order of frames is what some tests check).
json next_message(rt::client::sync_client& c) {
    auto j = c.receive_json(k_wait);
    return j ? *j : json();
}

// Sends SIGHUP and waits for the log line of the reload's outcome: "reloaded (version" (applied),
// "not reloaded" (refused) or "declares nothing new" (unchanged, at debug level). Each test looks
// for each text once, so the line found is this reload's.
void sighup(rt_server& srv, const std::string& outcome_text) {
    srv.proc().signal(SIGHUP);
    INFO(srv.proc().err());
    REQUIRE(srv.proc().wait_for_output(outcome_text, k_wait));
}

}  // namespace

TEST_CASE("spec reload: unchanged subscription keeps epoch and seq, changed resyncs, removed ends, added subscribable",
          "[serve][reload]") {
    const std::string path = shop_spec("reload_main.spec");
    rt_server srv({}, path);
    auto a = connect_ws(srv.ws_url());  // AllItems (unchanged) and VisibleItems with a sid (changed)
    auto b = connect_ws(srv.ws_url());  // AllNotes (removed)
    auto c = connect_ws(srv.ws_url());  // nothing: still told
    REQUIRE(publish(*c, "Item", "insert", item("i1", "new"))["type"] == "published");
    REQUIRE(publish(*c, "Item", "insert", item("i2", "sold"))["type"] == "published");
    const json all = subscribe(*a, "AllItems");
    REQUIRE(all["type"] == "subscribed");
    const json vis = request(*a, {{"id", "v"}, {"type", "subscribe"}, {"subscription", "VisibleItems"}, {"sid", "vis"}});
    REQUIRE(vis["type"] == "subscribed");
    REQUIRE(vis["initial"].size() == 1);
    REQUIRE(subscribe(*b, "AllNotes")["type"] == "subscribed");
    REQUIRE(publish(*c, "Item", "update", {{"id", "i1"}, {"name", "renamed"}})["type"] == "published");
    const json ev1 = a->receive_until([](const json& j) { return j.value("type", "") == "event" && !j.contains("sid"); }, k_wait).value_or(json());
    REQUIRE(ev1["subscription"] == "AllItems");
    REQUIRE(ev1["seq"] == all["seq"].get<std::uint64_t>() + 1);
    a->clear();

    save_spec(path, k_shop_v2);
    sighup(srv, "reloaded (version");

    // Every connection: spec_changed first.
    const json changed_a = next_message(*a);
    REQUIRE(changed_a["type"] == "spec_changed");
    CHECK(changed_a["added"] == json::array({"NewNotes"}));
    CHECK(changed_a["changed"] == json::array({"VisibleItems"}));
    CHECK(changed_a["removed"] == json::array({"AllNotes"}));
    // Then the changed subscription, unasked: new epoch, snapshot under the new where (i2 only).
    const json resub = next_message(*a);
    REQUIRE(resub["type"] == "subscribed");
    CHECK_FALSE(resub.contains("id"));
    CHECK(resub["sid"] == "vis");
    CHECK(resub["reason"] == "spec_changed");
    CHECK(resub["recovered"] == false);
    CHECK(resub["epoch"] != vis["epoch"]);
    REQUIRE(resub["initial"].size() == 1);
    CHECK(resub["initial"][0]["id"] == "i2");

    const json changed_b = next_message(*b);
    REQUIRE(changed_b["type"] == "spec_changed");
    const json ended = next_message(*b);
    CHECK(ended["type"] == "unsubscribed");
    CHECK(ended["subscription"] == "AllNotes");
    CHECK(ended["reason"] == "spec_changed");
    CHECK_FALSE(ended.contains("id"));
    CHECK(next_message(*c)["type"] == "spec_changed");

    // The unchanged stream carries on: same epoch, the next seq.
    REQUIRE(publish(*c, "Item", "update", {{"id", "i1"}, {"state", "sold"}})["type"] == "published");
    const json ev2 = a->receive_until([](const json& j) { return j.value("type", "") == "event" && !j.contains("sid"); }, k_wait).value_or(json());
    CHECK(ev2["epoch"] == all["epoch"]);
    CHECK(ev2["seq"] == ev1["seq"].get<std::uint64_t>() + 1);
    // The changed one continues in its new epoch: i1 entered the view (state == "sold").
    const json ev3 = a->receive_until([](const json& j) { return j.value("sid", "") == "vis"; }, k_wait).value_or(json());
    CHECK(ev3["epoch"] == resub["epoch"]);
    CHECK(ev3["operation"] == "insert");
    CHECK(ev3["seq"] == resub["seq"].get<std::uint64_t>() + 1);

    // Added: subscribable; removed: unknown.
    CHECK(subscribe(*c, "NewNotes", json::object(), "n")["type"] == "subscribed");
    const json gone = subscribe(*c, "AllNotes", json::object(), "g");
    CHECK(gone["code"] == "UNKNOWN_SUBSCRIPTION");

    // The endpoints serve the new spec and its version.
    auto text = http_request(srv.port(), "GET", "/api/_spec");
    CHECK(text.body == k_shop_v2);
    auto ir = json::parse(http_request(srv.port(), "GET", "/api/_spec?format=json").body);
    CHECK(ir["version"] == changed_a["version"]);
    auto info = json::parse(http_request(srv.port(), "GET", "/api/_info").body);
    CHECK(info["spec_version"] == changed_a["version"]);
    CHECK(http_request(srv.port(), "GET", "/api/_asyncapi").body.find("NewNotes") != std::string::npos);
    CHECK(metric_value(srv.port(), "rt_spec_reloads_total") == 1);
    CHECK(metric_value(srv.port(), "rt_spec_reload_failed") == 0);
}

TEST_CASE("spec reload: a spec that does not parse is refused, the old one keeps serving", "[serve][reload]") {
    const std::string path = shop_spec("reload_broken.spec");
    rt_server srv({"--log-level", "debug"}, path);
    auto a = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*a, "AllItems")["type"] == "subscribed");
    save_spec(path, "app Shop {\n  entity Item {\n    attr name: strin\n  }\n}\n");
    sighup(srv, "not reloaded");
    CHECK(srv.proc().wait_for_output(path + ":3:", k_wait));  // file:line:col
    CHECK(metric_value(srv.port(), "rt_spec_reload_failures_total") == 1);
    CHECK(metric_value(srv.port(), "rt_spec_reload_failed") == 1);
    CHECK(metric_value(srv.port(), "rt_spec_reloads_total") == 0);
    // The old spec serves: its subscriptions, its text; the connection was told nothing.
    REQUIRE(publish(*a, "Item", "insert", item("i1", "new"))["type"] == "published");
    CHECK(next_of_type(*a, "event")["subscription"] == "AllItems");
    CHECK(subscribe(*a, "AllNotes", json::object(), "n")["type"] == "subscribed");
    CHECK(http_request(srv.port(), "GET", "/api/_spec").body == k_shop_v1);
    CHECK(a->receive_until([](const json& j) { return j.value("type", "") == "spec_changed"; }, 100ms) == std::nullopt);
    // Put back as it was: same version, nothing to do, and the gauge clears.
    save_spec(path, k_shop_v1);
    sighup(srv, "declares nothing new");
    CHECK(metric_value(srv.port(), "rt_spec_reload_failed") == 0);
}

TEST_CASE("spec reload: stored rows that do not fit the new spec refuse it, naming entity, id and field",
          "[serve][reload]") {
    const std::string path = shop_spec("reload_rows.spec");
    rt_server srv({}, path);
    auto a = connect_ws(srv.ws_url());
    REQUIRE(publish(*a, "Item", "insert", item("i1", "new"))["type"] == "published");
    REQUIRE(publish(*a, "Item", "insert", item("i2", "sold"))["type"] == "published");
    REQUIRE(publish(*a, "Note", "insert", {{"id", "n1"}, {"text", "x"}})["type"] == "published");
    std::string narrowed = k_shop_v1;
    narrowed.replace(narrowed.find("\"new\" | \"sold\""), 14, "\"new\" | \"gone\"");
    narrowed.replace(narrowed.find("state != \"sold\""), 15, "state != \"gone\"");
    narrowed.replace(narrowed.find("  entity Note { attr text: string }\n"), 36, "");
    narrowed.replace(narrowed.find("  subscription AllNotes: Note\n"), 30, "");
    save_spec(path, narrowed);
    sighup(srv, "not reloaded");
    CHECK(srv.proc().wait_for_output("2 stored row(s) do not fit the new spec", k_wait));
    CHECK(srv.proc().wait_for_output("Item 'i2': state: expected one of \"new\" | \"gone\"", k_wait));
    CHECK(srv.proc().wait_for_output("Note: the new spec removes this entity, which still has 1 row(s)", k_wait));
    CHECK(metric_value(srv.port(), "rt_spec_reload_failed") == 1);
    CHECK(subscribe(*a, "AllNotes")["type"] == "subscribed");  // the old spec serves
}

TEST_CASE("spec reload: a tokens file naming a subscription the new spec lacks refuses it", "[serve][reload]") {
    const std::string path = shop_spec("reload_tokens.spec");
    const std::string tokens = temp_path("reload_tokens.toml");
    std::ofstream(tokens) << "[tokens.tok-ann]\nuser = \"ann\"\nsubscribe = [\"AllNotes\", \"AllItems\"]\npublish = [\"Item\"]\n";
    rt_server srv({"--tokens", tokens}, path);
    save_spec(path, k_shop_v2);  // AllNotes removed
    sighup(srv, "not reloaded");
    // The token is named by its user (tokens never appear in logs), with the missing name.
    CHECK(srv.proc().wait_for_output("does not match the new spec", k_wait));
    CHECK(srv.proc().wait_for_output("token of user 'ann': subscribe: no subscription named 'AllNotes'", k_wait));
    auto ann = connect_ws(srv.ws_url("token=tok-ann"));
    CHECK(subscribe(*ann, "AllNotes")["type"] == "subscribed");
}

TEST_CASE("spec reload: a new entity is served by a file database, with the rows an earlier spec stored for it",
          "[serve][reload]") {
    const std::string path = shop_spec("reload_db.spec");
    const std::string db = temp_path("reload_db.sqlite");
    std::string with_tag = k_shop_v1;
    with_tag.replace(with_tag.rfind('}'), 1, "  entity Tag { attr label: string }\n  subscription AllTags: Tag\n}");
    {
        // An earlier server, whose spec had Tag, stored a row of it.
        save_spec(path, with_tag);
        rt_server before({"--db", db}, path);
        auto w = connect_ws(before.ws_url());
        REQUIRE(publish(*w, "Tag", "insert", {{"id", "t0"}, {"label", "old"}})["type"] == "published");
        REQUIRE(before.stop() == 0);
    }
    save_spec(path, k_shop_v1);
    rt_server srv({"--db", db}, path);
    CHECK(http_request(srv.port(), "GET", "/api/Tag").status == 404);  // kept on disk, not served
    auto a = connect_ws(srv.ws_url());
    save_spec(path, with_tag);
    sighup(srv, "reloaded (version");
    CHECK(next_of_type(*a, "spec_changed")["added"] == json::array({"AllTags"}));
    const json sub = subscribe(*a, "AllTags");
    REQUIRE(sub["type"] == "subscribed");
    REQUIRE(sub["initial"].size() == 1);
    CHECK(sub["initial"][0]["label"] == "old");
    CHECK(publish(*a, "Tag", "insert", {{"id", "t1"}, {"label", "red"}})["type"] == "published");
    CHECK(next_of_type(*a, "event")["data"]["label"] == "red");
    auto rows = http_request(srv.port(), "GET", "/api/Tag");
    CHECK(rows.status == 200);
    CHECK(rows.body.find("t1") != std::string::npos);
}

TEST_CASE("spec reload: an SSE stream gets spec_changed, then a snapshot in the new epoch or its end", "[serve][reload][sse]") {
    const std::string path = shop_spec("reload_sse.spec");
    rt_server srv({}, path);
    auto changed = sse_client::open(srv.port(), "/sse?subscription=VisibleItems");
    auto removed = sse_client::open(srv.port(), "/sse?subscription=AllNotes");
    REQUIRE(changed);
    REQUIRE(removed);
    REQUIRE(changed->status() == 200);
    const auto first = changed->next_event(k_wait);
    REQUIRE(first);
    REQUIRE(first->event == "snapshot");
    REQUIRE(removed->next_event(k_wait));
    save_spec(path, k_shop_v2);
    sighup(srv, "reloaded (version");
    auto told = changed->next_event(k_wait);
    REQUIRE(told);
    CHECK(told->event == "spec_changed");
    CHECK(told->id.empty());
    CHECK(json::parse(told->data)["changed"] == json::array({"VisibleItems"}));
    auto snap = changed->next_event(k_wait);
    REQUIRE(snap);
    CHECK(snap->event == "snapshot");
    CHECK(snap->id.substr(0, snap->id.find(':')) != first->id.substr(0, first->id.find(':')));  // a new epoch
    CHECK(json::parse(snap->data)["reason"] == "spec_changed");
    auto told2 = removed->next_event(k_wait);
    REQUIRE(told2);
    CHECK(told2->event == "spec_changed");
    auto end = removed->next_event(k_wait);
    REQUIRE(end);
    CHECK(end->event == "error");
    CHECK(json::parse(end->data)["code"] == 1000);
    CHECK(removed->wait_closed(k_wait));
}

TEST_CASE("spec reload: --watch applies a rewritten spec file once it is stable", "[serve][reload]") {
    const std::string path = shop_spec("reload_watch.spec");
    rt_server srv({"--watch"}, path);
    auto a = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*a, "AllNotes")["type"] == "subscribed");
    save_spec(path, k_shop_v2);
    const json told = next_of_type(*a, "spec_changed");
    REQUIRE(told["type"] == "spec_changed");
    CHECK(told["removed"] == json::array({"AllNotes"}));
    CHECK(next_of_type(*a, "unsubscribed")["reason"] == "spec_changed");
    CHECK(srv.proc().wait_for_output("--watch: spec " + path + " reloaded", k_wait));
}

TEST_CASE("spec reload: --watch with --broker is refused at start-up", "[serve][reload]") {
    auto r = run_rt({"serve", "--spec", shop_spec("reload_broker.spec"), "--listen", "127.0.0.1:0", "--broker",
                     "redis://127.0.0.1:1", "--watch"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--watch is not supported with --broker") != std::string::npos);
}

TEST_CASE("spec reload: 1,000 connected clients all get spec_changed, stay open and get the next event",
          "[serve][reload][slow]") {
    const std::string path = shop_spec("reload_many.spec");
    rt_server srv({}, path);
    constexpr int n = 1000;
    rt::client::io_loop loop;
    loop.start(1);
    std::mutex mu;
    std::condition_variable cv;
    int subscribed = 0, told = 0, events = 0, closed = 0;
    std::chrono::steady_clock::time_point last_told;
    std::vector<std::shared_ptr<rt::client::ws_connection>> conns;
    for (int i = 0; i < n; ++i) {
        auto holder = std::make_shared<std::weak_ptr<rt::client::ws_connection>>();
        rt::client::ws_handlers h;
        h.on_open = [holder] {
            if (auto c = holder->lock()) c->send(R"({"type":"subscribe","subscription":"AllItems"})");
        };
        h.on_message = [&](std::string_view text) {
            auto j = json::parse(text, nullptr, false);
            const std::string type = j.value("type", "");
            std::lock_guard<std::mutex> lock(mu);
            if (type == "subscribed") ++subscribed;
            else if (type == "spec_changed") ++told, last_told = std::chrono::steady_clock::now();
            else if (type == "event") ++events;
            cv.notify_all();
        };
        h.on_close = [&](int, std::string) {
            std::lock_guard<std::mutex> lock(mu);
            ++closed;
            cv.notify_all();
        };
        auto c = rt::client::ws_connection::connect(loop, srv.ws_url(), h);
        REQUIRE(c.ok());
        *holder = c.value();
        conns.push_back(c.value());
    }
    {
        std::unique_lock<std::mutex> lock(mu);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return subscribed + closed >= n; }));
        REQUIRE(subscribed == n);
    }
    save_spec(path, k_shop_v2);
    const auto t0 = std::chrono::steady_clock::now();
    srv.proc().signal(SIGHUP);
    {
        std::unique_lock<std::mutex> lock(mu);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return told >= n; }));
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(last_told - t0).count();
        std::fprintf(stderr, "1,000 clients: SIGHUP to the last client's spec_changed: %lld ms\n", static_cast<long long>(ms));
        CHECK(ms < 10000);
    }
    REQUIRE(srv.proc().wait_for_output("connection(s) told in", k_wait));
    const std::string log = srv.proc().err();
    const auto at = log.find("reloaded (version");
    std::fprintf(stderr, "server: %s\n", log.substr(at, log.find('\n', at) - at).c_str());
    auto pub = connect_ws(srv.ws_url());
    REQUIRE(publish(*pub, "Item", "insert", item("i1", "new"))["type"] == "published");
    {
        std::unique_lock<std::mutex> lock(mu);
        CHECK(cv.wait_for(lock, std::chrono::seconds(30), [&] { return events >= n; }));
        CHECK(told == n);
        CHECK(events == n);
        CHECK(closed == 0);
    }
    conns.clear();
    loop.stop();
}

TEST_CASE("spec reload: SIGHUP on a --broker node keeps its spec and says why", "[serve][reload][broker]") {
    RT_REQUIRE_REDIS(redis);
    const std::string path = shop_spec("reload_broker_hup.spec");
    rt_server srv({"--broker", redis.url()}, path);
    auto a = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*a, "AllNotes")["type"] == "subscribed");
    save_spec(path, k_shop_v2);
    sighup(srv, "the spec is not reloaded with --broker");
    CHECK(subscribe(*a, "AllNotes", json::object(), "again")["type"] == "subscribed");  // the old spec serves
    CHECK(metric_value(srv.port(), "rt_spec_reloads_total") == 0);
}

TEST_CASE("spec reload: a JWT minted for the old spec keeps working without the names the reload removed, "
          "a typo or a pin through a removed name is still refused", "[serve][reload][jwt]") {
    const std::string path = shop_spec("reload_jwt.spec");
    rt_server srv({"--jwt-secret-file", jwt_test_keys().secret_file}, path);
    // Minted for v1: AllNotes (removed by v2) beside AllItems (kept); Note written, Item pinned.
    const json v1_rights = {{"subscribe", {"AllItems", "AllNotes"}},
                            {"publish", {"Item", "Note"}},
                            {"publish_filters", {{"Note", {{"text", {"x"}}}}}}};
    const std::string token = jwt_mint(jwt_claims_for("ann", v1_rights));
    // A pin written through a subscription v2 removes: dropping it would widen the reads.
    const json pinned = {{"subscribe", {"AllItems", "AllNotes"}}, {"filters", {{"AllNotes", {{"text", {"x"}}}}}}};
    const std::string pinned_token = jwt_mint(jwt_claims_for("bo", pinned));
    auto before = connect_ws(srv.ws_url("token=" + token));
    REQUIRE(subscribe(*before, "AllNotes")["type"] == "subscribed");
    auto before_pinned = connect_ws(srv.ws_url("token=" + pinned_token));
    REQUIRE(subscribe(*before_pinned, "AllNotes", {{"text", "x"}})["type"] == "subscribed");

    save_spec(path, k_shop_v2);
    sighup(srv, "reloaded (version");

    // A new connection with the same token: what is left of its rights still works.
    auto after = connect_ws(srv.ws_url("token=" + token));
    CHECK(subscribe(*after, "AllItems")["type"] == "subscribed");
    CHECK(subscribe(*after, "NewNotes", json::object(), "n")["code"] == "FORBIDDEN");  // never granted
    CHECK(publish(*after, "Item", "insert", item("i1", "new"))["type"] == "published");
    // Note is still declared: its write scope still holds.
    CHECK(publish(*after, "Note", "insert", {{"id", "n1"}, {"text", "y"}})["code"] == "FORBIDDEN");
    CHECK(publish(*after, "Note", "insert", {{"id", "n2"}, {"text", "x"}})["type"] == "published");
    CHECK(http_request(srv.port(), "GET", "/api/Item", "", {rights_bearer(token)}).status == 200);
    // Refused: the pin through the removed AllNotes, and a name no spec of this server declared.
    CHECK_THAT(jwt_refused(srv, pinned_token), Catch::Contains("filters.AllNotes: no subscription or entity named 'AllNotes'"));
    json typo = v1_rights;
    typo["subscribe"] = {"AllItems", "AllItemz"};
    CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("ann", typo))), Catch::Contains("no subscription named 'AllItemz'"));
    // The connections opened before the reload were not closed by it.
    CHECK(request(*before, {{"id", "p"}, {"type", "ping"}})["type"] == "pong");
    CHECK(request(*before_pinned, {{"id", "p"}, {"type", "ping"}})["type"] == "pong");
}
