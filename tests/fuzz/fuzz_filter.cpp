// Fuzz target: client filters (protocol/spec_filter.cpp) and the view maintenance that uses them
// (spec_views.cpp view_change, spec_where.cpp, spec_compare.cpp), on the two shipped specs
// (scenarios/kanban.spec and helpdesk.spec: together every attribute type).
// Input: lines SUBSCRIPTION, FILTER, AFTER, BEFORE (split at '\n'). SUBSCRIPTION is a name from
// either spec; any other first line picks one by its first byte.
// FILTER goes where a client puts it, {"type":"subscribe",...,"filter":FILTER}, and AFTER/BEFORE
// into {"type":"publish",...,"data":ROW}, each through decode_client as the server does; a part
// that does not decode is dropped.
// Properties:
//   validate_filter never crashes; a refusal says why.
//   An accepted filter's own values (a set's first value, a pattern's prefix) make a valid row
//   that the filter matches.
//   For valid rows, view_change agrees with its definition: in(row) = the view's where holds and
//   the filter matches; insert iff !in(before) && in(after), update iff both, delete iff only before.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/filter_term.hpp"
#include "protocol/messages.hpp"
#include "protocol/spec.hpp"
#include "fuzz_check.hpp"

using namespace rt;
using spec::json;

namespace {

struct fixture {
    std::vector<spec::app> apps;
    std::vector<std::pair<const spec::app*, const spec::subscription*>> subs;
};

spec::app load(const char* name) {
    std::string path = std::string(RT_SOURCE_DIR) + "/scenarios/" + name;
    auto r = spec::load_spec_file(path);
    if (!r) {
        std::fprintf(stderr, "fuzz_filter: %s\n", r.error().front().to_string().c_str());
        std::abort();
    }
    return std::move(r.value());
}

const fixture& the_fixture() {
    static const fixture f = [] {
        fixture x;
        x.apps.push_back(load("kanban.spec"));
        x.apps.push_back(load("helpdesk.spec"));
        for (const spec::app& a : x.apps)
            for (const spec::subscription& s : a.subscriptions) x.subs.emplace_back(&a, &s);
        return x;
    }();
    return f;
}

// The part's JSON as decode_client hands it to the server, or nullopt.
std::optional<json> decoded_filter(const spec::subscription& s, std::string_view part) {
    std::string msg = "{\"type\":\"subscribe\",\"subscription\":" + json(s.name).dump() + ",\"filter\":";
    msg.append(part.data(), part.size());
    msg += "}";
    auto m = proto::decode_client(msg);
    if (!m) return std::nullopt;
    const auto* sub = std::get_if<proto::subscribe_msg>(&m.value().body);
    if (!sub) return std::nullopt;
    return sub->filter;
}

std::optional<json> decoded_row(const spec::entity& e, std::string_view part) {
    std::string msg = "{\"type\":\"publish\",\"entity\":" + json(e.name).dump() + ",\"operation\":\"insert\",\"data\":";
    msg.append(part.data(), part.size());
    msg += "}";
    auto m = proto::decode_client(msg);
    if (!m) return std::nullopt;
    const auto* pub = std::get_if<proto::publish_msg>(&m.value().body);
    if (!pub || !spec::validate_row(e, pub->data, spec::row_mode::full)) return std::nullopt;
    return pub->data;
}

std::string_view next_part(std::string_view& rest) {
    auto nl = rest.find('\n');
    std::string_view part = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const fixture& fx = the_fixture();
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::string_view name = next_part(rest);
    auto pick = fx.subs[data[0] % fx.subs.size()];
    for (const auto& candidate : fx.subs)
        if (candidate.second->name == name) pick = candidate;
    const auto [a, s] = pick;
    const spec::entity* e = a->find_entity(s->entity);
    FUZZ_CHECK(e != nullptr, "the shipped specs resolve");

    std::string_view filter_text = next_part(rest);
    std::string_view after_text = next_part(rest);
    std::string_view before_text = next_part(rest);

    auto filter = decoded_filter(*s, filter_text);
    if (!filter) return 0;
    auto valid = spec::validate_filter(*a, *s, *filter);
    if (!valid) {
        FUZZ_CHECK(!valid.error().empty(), "a refused filter says why");
        (void)spec::filter_matches(*filter, json::object());  // must not crash on a refused filter either
        return 0;
    }

    json own = json::object();  // the filter's non-null values (a set's first, a pattern's prefix), as a row
    for (auto it = filter->begin(); it != filter->end(); ++it) {
        spec::filter_term t = spec::read_filter_term(it.value());
        json v = t.k == spec::filter_term::kind::prefix ? json(t.prefix) : t.values.front();
        if (!v.is_null()) own[it.key()] = v;
    }
    FUZZ_CHECK(spec::validate_row(*e, own, spec::row_mode::full).ok(), "an accepted filter's values make a valid row");
    FUZZ_CHECK(spec::filter_matches(*filter, own), "a filter matches the row made of its own values");

    auto after = decoded_row(*e, after_text);
    auto before = decoded_row(*e, before_text);
    const spec::expr* pred = a->predicate_of(*s);
    auto in = [&](const std::optional<json>& row) {
        return row && (!pred || spec::eval_where(*pred, *row)) && spec::filter_matches(*filter, *row);
    };
    const json* b = before ? &*before : nullptr;
    const json* af = after ? &*after : nullptr;
    spec::change got = spec::view_change(*a, *s, b, af, &*filter);
    spec::change want = in(before) && in(after) ? spec::change::update
                      : in(after)              ? spec::change::insert
                      : in(before)             ? spec::change::remove
                                               : spec::change::none;
    FUZZ_CHECK(got == want, "view_change follows its definition");
    return 0;
}
