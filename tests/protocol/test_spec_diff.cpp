// spec_diff: what a live spec reload adds, changes and removes (rt serve --watch / SIGHUP).
#include <catch2/catch.hpp>

#include "protocol/spec_diff.hpp"

namespace {

rt::spec::app parse_diff_spec(const std::string& text) {
    auto r = rt::spec::parse_spec(text, "diff.spec");
    REQUIRE(r.ok());
    return std::move(r).value();
}

const char* const k_base = R"(app Shop {
  entity Item { attr name: string
                attr state: "new" | "sold" }
  entity Note { attr text: string }
  view Unsold: Item where state != "sold"
  subscription UnsoldItems: view Unsold
  subscription ItemById: Item by id
  subscription AllNotes: Note
  subscription Gone: Note
})";

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("spec diff: the same spec (comments and spacing aside) changes nothing") {
    auto a = parse_diff_spec(k_base);
    auto b = parse_diff_spec(std::string("// a comment\n") + k_base);
    auto d = rt::spec::diff_specs(a, b);
    REQUIRE(d.subscriptions_same());
    REQUIRE(d.entities_changed.empty());
    REQUIRE(d.entities_added.empty());
    REQUIRE(d.entities_removed.empty());
}

TEST_CASE("spec diff: a where, an entity's attributes and a throttle change the subscriptions that depend on them") {
    auto a = parse_diff_spec(k_base);
    auto b = parse_diff_spec(R"(app Shop {
  entity Item { attr name: string
                attr state: "new" | "sold" | "held" }
  entity Note { attr text: string }
  entity Tag { attr label: string }
  view Unsold: Item where state != "sold"
  subscription UnsoldItems: view Unsold
  subscription ItemById: Item by id
  subscription AllNotes: Note throttle 100ms
  subscription Tags: Tag
})");
    auto d = rt::spec::diff_specs(a, b);
    REQUIRE(d.added == names{"Tags"});
    REQUIRE(d.changed == names{"AllNotes", "ItemById", "UnsoldItems"});  // enum widened: both Item subscriptions
    REQUIRE(d.removed == names{"Gone"});
    REQUIRE(d.entities_added == names{"Tag"});
    REQUIRE(d.entities_changed == names{"Item"});
    REQUIRE(d.entities_removed.empty());
}

TEST_CASE("spec diff: a view's where changes only the subscriptions of that view") {
    auto a = parse_diff_spec(k_base);
    std::string text = k_base;
    text.replace(text.find("state != \"sold\""), 15, "state == \"new\"");
    auto d = rt::spec::diff_specs(a, parse_diff_spec(text));
    REQUIRE(d.changed == names{"UnsoldItems"});
    REQUIRE(d.added.empty());
    REQUIRE(d.removed.empty());
    REQUIRE(d.entities_changed.empty());
}

TEST_CASE("spec diff: a subscription's definition names its view's where and its entity's attributes") {
    auto a = parse_diff_spec(k_base);
    auto def = rt::spec::subscription_definition(a, *a.find_subscription("UnsoldItems"));
    REQUIRE(def["view"]["where"] == "state != \"sold\"");
    REQUIRE(def["entity"]["name"] == "Item");
    REQUIRE(def["subscription"]["kind"] == "view");
    REQUIRE(rt::spec::subscription_definition(a, *a.find_subscription("AllNotes"))["view"].is_null());
}
