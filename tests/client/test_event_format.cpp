// Pure pieces of `rt subscribe` / `rt publish`: event formatting, color choice, flag values
// (--since, --filter, --data) and publish requests. Tables of cases, no sockets.
#include <catch2/catch.hpp>

#include "client/client_args.hpp"
#include "client/event_format.hpp"
#include "client/publisher.hpp"

using namespace rt::client;
using namespace rt::proto;

namespace {

event_msg sample_event(operation op) {
    event_msg e;
    e.subscription = "AllTasks";
    e.op = op;
    e.data = json{{"id", "t1"}, {"title", "Write docs"}, {"status", "todo"}};
    e.position = {"9f2c", 58};
    e.ts_ms = 1732230000123;
    return e;
}

}  // namespace

TEST_CASE("event_json_line is the server's event object", "[event_format]") {
    for (auto op : {operation::insert, operation::update, operation::remove}) {
        const event_msg e = sample_event(op);
        const std::string line = event_json_line(e);
        CHECK(line == encode_event(e.subscription, op, e.data.dump(), e.position, e.ts_ms));
        CHECK(line.find('\n') == std::string::npos);
        const json j = json::parse(line);
        CHECK(j["type"] == "event");
        CHECK(j["subscription"] == "AllTasks");
        CHECK(j["operation"] == std::string(to_wire(op)));
        CHECK(j["data"] == e.data);
        CHECK(j["epoch"] == "9f2c");
        CHECK(j["seq"] == 58);
        CHECK(j["ts"] == 1732230000123);
        // And it decodes as a server message, like the original frame.
        auto back = decode_server(line);
        REQUIRE(back.ok());
        CHECK(std::get<event_msg>(back->body).position == e.position);
    }
}

TEST_CASE("snapshot_json_line looks like an event with operation snapshot", "[event_format]") {
    const json row = {{"id", "t9"}, {"title", "a \"quoted\" title"}};
    const json j = json::parse(snapshot_json_line("TaskUpdates", row, {"e1", 12}));
    CHECK(j["type"] == "snapshot");
    CHECK(j["operation"] == "snapshot");
    CHECK(j["subscription"] == "TaskUpdates");
    CHECK(j["data"] == row);
    CHECK(j["epoch"] == "e1");
    CHECK(j["seq"] == 12);
}

TEST_CASE("event_pretty_line: readable, colored only on request", "[event_format]") {
    const std::string plain = event_pretty_line(sample_event(operation::insert), false);
    CHECK(plain.find("\x1b[") == std::string::npos);
    CHECK(plain.find("AllTasks #58 insert t1 ") != std::string::npos);
    CHECK(plain.find(R"("title":"Write docs")") != std::string::npos);
    CHECK(plain.find(R"("id")") == std::string::npos);  // the id is shown once, before the fields
    CHECK(plain.find('\n') == std::string::npos);
    CHECK(plain.size() > 13);
    CHECK(plain[2] == ':');  // HH:MM:SS.mmm first
    CHECK(plain[8] == '.');

    const std::string del = event_pretty_line(sample_event(operation::remove), false);
    CHECK(del.find("#58 delete t1") != std::string::npos);
    CHECK(del.find("title") == std::string::npos);  // a delete shows the id alone

    const std::string colored = event_pretty_line(sample_event(operation::update), true);
    CHECK(colored.find("\x1b[33mupdate\x1b[0m") != std::string::npos);
    CHECK(event_pretty_line(sample_event(operation::insert), true).find("\x1b[32minsert") != std::string::npos);
    CHECK(event_pretty_line(sample_event(operation::remove), true).find("\x1b[31mdelete") != std::string::npos);

    const std::string snap = snapshot_pretty_line("AllTasks", json{{"id", "t2"}, {"title", "x"}}, {"e", 4}, false);
    CHECK(snap.rfind("--:--:--.--- AllTasks #4 snapshot t2 {\"title\":\"x\"}", 0) == 0);
}

TEST_CASE("use_color: a TTY and no NO_COLOR", "[event_format]") {
    struct row {
        bool tty;
        const char* no_color;
        bool expected;
    };
    for (const row& r : {row{true, nullptr, true}, row{true, "", true}, row{true, "1", false},
                         row{false, nullptr, false}, row{false, "1", false}}) {
        INFO("tty=" << r.tty << " NO_COLOR=" << (r.no_color ? r.no_color : "(unset)"));
        CHECK(use_color(r.tty, r.no_color) == r.expected);
    }
}

TEST_CASE("parse_since: EPOCH:SEQ", "[client_args]") {
    auto ok = parse_since("9f2c:41");
    REQUIRE(ok.ok());
    CHECK(ok->epoch == "9f2c");
    CHECK(ok->seq == 41);
    auto colon_in_epoch = parse_since("a:b:7");  // the seq is after the last ':'
    REQUIRE(colon_in_epoch.ok());
    CHECK(colon_in_epoch->epoch == "a:b");
    CHECK(colon_in_epoch->seq == 7);
    CHECK(parse_since("e:0").ok());
    for (const char* bad : {"", "41", ":41", "9f2c:", "9f2c:-1", "9f2c:4x", "9f2c:+4", "e:99999999999999999999999"}) {
        INFO(bad);
        auto r = parse_since(bad);
        REQUIRE_FALSE(r.ok());
        CHECK_FALSE(r.error().empty());
    }
}

TEST_CASE("parse_json_object names the flag and the problem", "[client_args]") {
    auto ok = parse_json_object(R"({"board":"b1"})", "--filter");
    REQUIRE(ok.ok());
    CHECK((*ok)["board"] == "b1");
    struct row {
        const char* text;
        const char* expected;
    };
    for (const row& r : {row{"{bad", "--filter: not valid JSON: parse error"}, row{"", "--filter: not valid JSON"},
                         row{"[1]", "--filter: expected a JSON object, got an array"},
                         row{"\"s\"", "got a string"}, row{"3", "got a number"}, row{"null", "got null"}}) {
        INFO(r.text);
        auto e = parse_json_object(r.text, "--filter");
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().find(r.expected) != std::string::npos);
    }
}

TEST_CASE("make_publish_request from flags", "[publisher]") {
    auto ins = make_publish_request("Task", "insert", std::nullopt, R"({"title":"x"})");
    REQUIRE(ins.ok());
    CHECK(ins->entity == "Task");
    CHECK(ins->op == operation::insert);
    CHECK(ins->data == json{{"title", "x"}});

    auto upd = make_publish_request("Task", "update", std::string("t1"), R"({"status":"done"})");
    REQUIRE(upd.ok());
    CHECK(upd->data == json{{"id", "t1"}, {"status", "done"}});

    auto del = make_publish_request("Task", "delete", std::string("t1"), "");
    REQUIRE(del.ok());
    CHECK(del->op == operation::remove);
    CHECK(del->data == json{{"id", "t1"}});

    CHECK(make_publish_request("Task", "update", std::string("t1"), R"({"id":"t1"})").ok());  // same id twice is fine

    struct row {
        const char* op;
        std::optional<std::string> id;
        const char* data;
        const char* expected;
    };
    for (const row& r : {row{"insert", std::nullopt, "{bad", "--data: not valid JSON"},
                         row{"insert", std::nullopt, "[]", "--data: expected a JSON object"},
                         row{"upsert", std::nullopt, "{}", "--op: expected insert, update or delete"},
                         row{"update", std::nullopt, R"({"status":"x"})", "update needs the row's id"},
                         row{"delete", std::nullopt, "", "delete needs the row's id"},
                         row{"update", std::string("b"), R"({"id":"a"})", "--id: data.id is \"a\" but --id is 'b'"}}) {
        INFO(r.op << " " << r.data);
        auto e = make_publish_request("Task", r.op, r.id, r.data);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().find(r.expected) != std::string::npos);
    }
}

TEST_CASE("parse_publish_line: one --stdin line", "[publisher]") {
    auto ok = parse_publish_line(R"({"entity":"Task","operation":"update","data":{"id":"t1","status":"done"}})");
    REQUIRE(ok.ok());
    CHECK(ok->entity == "Task");
    CHECK(ok->op == operation::update);
    CHECK(ok->data["status"] == "done");
    struct row {
        const char* line;
        const char* expected;
    };
    for (const row& r : {row{"{", "not valid JSON"}, row{"[]", "expected a JSON object"},
                         row{R"({"operation":"insert","data":{}})", "missing \"entity\""},
                         row{R"({"entity":1,"operation":"insert","data":{}})", "\"entity\" must be a non-empty string"},
                         row{R"({"entity":"Task","data":{}})", "missing \"operation\""},
                         row{R"({"entity":"Task","operation":"drop","data":{}})", "expected insert, update or delete"},
                         row{R"({"entity":"Task","operation":"insert"})", "missing \"data\""},
                         row{R"({"entity":"Task","operation":"insert","data":[1]})", "\"data\" must be an object"},
                         row{R"({"entity":"Task","operation":"insert","data":{},"x":1})", "unknown field \"x\""}}) {
        INFO(r.line);
        auto e = parse_publish_line(r.line);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().find(r.expected) != std::string::npos);
    }
}

TEST_CASE("encode_publish is a valid client publish carrying the id", "[publisher]") {
    publish_request r{"Task", operation::remove, json{{"id", "t1"}}};
    const std::string frame = encode_publish(r, 42);
    auto m = decode_client(frame);
    REQUIRE(m.ok());
    CHECK(m->id == 42);
    const auto& p = std::get<publish_msg>(m->body);
    CHECK(p.entity == "Task");
    CHECK(p.op == operation::remove);
    CHECK(p.data == json{{"id", "t1"}});
}
