// JSON values written as YAML (protocol/yaml_text.*). That a YAML parser reads the output back as
// the same value is checked by tests/asyncapi/validate.js (js-yaml) on every generated document;
// here, the layout and the quoting rules, case by case.
#include <string>

#include <catch2/catch.hpp>

#include "protocol/yaml_text.hpp"

using rt::proto::to_yaml;
using ojson = nlohmann::ordered_json;

TEST_CASE("yaml: strings are plain only when nothing else could be read from them") {
    struct row {
        ojson value;
        const char* yaml;
    };
    const row rows[] = {
        {"TaskUpdates", "TaskUpdates\n"},
        {"/live", "/live\n"},
        {"$ref", "$ref\n"},
        {"rt serve", "rt serve\n"},
        {"x-rt-ref", "x-rt-ref\n"},
        {"Task.insert", "Task.insert\n"},
        {"", "\"\"\n"},
        {"3.0.0", "\"3.0.0\"\n"},             // a number-like start
        {"-x", "\"-x\"\n"},                   // a sequence indicator
        {".inf", "\".inf\"\n"},
        {"true", "\"true\"\n"},
        {"No", "\"No\"\n"},                   // YAML 1.1 booleans
        {"off", "\"off\"\n"},
        {"~", "\"~\"\n"},
        {"Null", "\"Null\"\n"},
        {"trailing ", "\"trailing \"\n"},
        {"#/components/schemas/Task", "\"#/components/schemas/Task\"\n"},  // a comment
        {"a: b", "\"a: b\"\n"},
        {"localhost:8080", "\"localhost:8080\"\n"},
        {"status != \"done\"", "\"status != \\\"done\\\"\"\n"},
        {"two\nlines\ttab\\", "\"two\\nlines\\ttab\\\\\"\n"},
        {std::string("bell\x07") + "\x7f", "\"bell\\u0007\\u007F\"\n"},
        {"caf\xC3\xA9 \xE2\x9C\x93", "\"caf\xC3\xA9 \xE2\x9C\x93\"\n"},  // UTF-8 kept as is
        {"nel\xC2\x85 ls\xE2\x80\xA8", "\"nel\\u0085 ls\\u2028\"\n"},     // YAML 1.1 line breaks escaped
        {std::string("bad\xFF"), "\"bad\xEF\xBF\xBD\"\n"},                   // not UTF-8: U+FFFD
        {std::string("half\xE2\x9C"), "\"half\xEF\xBF\xBD\xEF\xBF\xBD\"\n"},
        {42, "42\n"},
        {-7, "-7\n"},
        {2.5, "2.5\n"},
        {true, "true\n"},
        {nullptr, "null\n"},
        {ojson::object(), "{}\n"},
        {ojson::array(), "[]\n"},
    };
    for (const row& r : rows) {
        INFO(r.value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        REQUIRE(to_yaml(r.value) == r.yaml);
    }
}

TEST_CASE("yaml: objects and arrays in block style, keys in the value's order") {
    ojson v = ojson::object();
    v["zeta"] = 1;
    v["alpha"] = ojson::array({"a", 2, ojson::object(), ojson::array()});
    v["list of objects"] = ojson::array({{{"k", "v"}, {"m", ojson::object({{"deep", true}})}}, {{"k", "w"}}});
    v["nested"] = ojson::array({ojson::array({1, 2})});
    v["empty"] = ojson::object();
    v["3"] = "key quoted";
    const std::string expected =
        "zeta: 1\n"
        "alpha:\n"
        "  - a\n"
        "  - 2\n"
        "  - {}\n"
        "  - []\n"
        "list of objects:\n"
        "  - k: v\n"
        "    m:\n"
        "      deep: true\n"
        "  - k: w\n"
        "nested:\n"
        "  -\n"
        "    - 1\n"
        "    - 2\n"
        "empty: {}\n"
        "\"3\": key quoted\n";
    REQUIRE(to_yaml(v) == expected);
}

TEST_CASE("yaml: a key longer than YAML's 1024-character limit is written as an explicit key") {
    const std::string long_key(1100, 'k');
    ojson v = ojson::object();
    v[long_key] = ojson::object({{"a", 1}});
    v["short"] = ojson::array({ojson::object({{long_key, "x"}})});
    REQUIRE(to_yaml(v) == "? " + long_key + "\n:\n  a: 1\nshort:\n  - ? " + long_key + "\n    : x\n");
}
