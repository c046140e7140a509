#pragma once
// Parsed example specs for pure tests, loaded once per test process.
#include <string>

#include <catch2/catch.hpp>

#include "protocol/spec.hpp"

namespace rt::test {

// scenarios/<name>, parsed; fails the calling test if it does not load.
inline rt::spec::app load_example_spec(const std::string& name) {
    auto r = rt::spec::load_spec_file(std::string(RT_SOURCE_DIR) + "/scenarios/" + name);
    REQUIRE(r.ok());
    return std::move(r).value();
}

inline const rt::spec::app& kanban_app() {
    static const rt::spec::app a = load_example_spec("kanban.spec");
    return a;
}

inline const rt::spec::app& helpdesk_app() {
    static const rt::spec::app a = load_example_spec("helpdesk.spec");
    return a;
}

inline const rt::spec::app& inventory_app() {
    static const rt::spec::app a = load_example_spec("inventory.spec");
    return a;
}

}  // namespace rt::test
