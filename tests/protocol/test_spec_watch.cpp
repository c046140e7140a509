// spec_watch: when rt serve --watch reloads (content stable for the settle time, each text once).
#include <catch2/catch.hpp>

#include "protocol/spec_watch.hpp"

using rt::proto::spec_watch;

TEST_CASE("spec watch: a changed file is handed out once, after it stayed the same for the settle time") {
    spec_watch w("v1", 200);
    REQUIRE_FALSE(w.poll(std::string("v1"), 0));      // what runs now
    REQUIRE_FALSE(w.poll(std::string("v2"), 100));    // a candidate
    REQUIRE_FALSE(w.poll(std::string("v2"), 250));    // 150 ms stable: not yet
    REQUIRE(w.poll(std::string("v2"), 300) == std::string("v2"));
    REQUIRE_FALSE(w.poll(std::string("v2"), 900));    // once
}

TEST_CASE("spec watch: a save in several writes restarts the settle time, and an unreadable file changes nothing") {
    spec_watch w("v1", 200);
    REQUIRE_FALSE(w.poll(std::string("v2-half"), 0));
    REQUIRE_FALSE(w.poll(std::nullopt, 150));         // mid-rename
    REQUIRE_FALSE(w.poll(std::string("v2"), 180));    // the rest landed: timed from here
    REQUIRE_FALSE(w.poll(std::string("v2"), 300));
    REQUIRE(w.poll(std::string("v2"), 380) == std::string("v2"));
}

TEST_CASE("spec watch: a change reverted before it settled, or already run (SIGHUP), is not handed out") {
    spec_watch w("v1", 200);
    REQUIRE_FALSE(w.poll(std::string("v2"), 0));
    REQUIRE_FALSE(w.poll(std::string("v1"), 100));
    REQUIRE_FALSE(w.poll(std::string("v1"), 1000));
    w.ran("v3");
    REQUIRE_FALSE(w.poll(std::string("v3"), 1100));
    REQUIRE_FALSE(w.poll(std::string("v3"), 2000));
}
