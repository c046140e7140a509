#include "chaos/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "client/http_client.hpp"
#include "chaos/timeline.hpp"
#include "chaos/units.hpp"
#include "client/ws_url.hpp"
#include "protocol/units.hpp"

namespace rt::chaos {
namespace {

using fail = unexpected<std::string>;

// Reads one table's keys with errors that name file:line and the key. The first error wins;
// later reads are no-ops, so callers check error() once at the end.
class table_reader {
public:
    // `keys_read`, when given, collects every key asked for (with the prefix): scenario_keys().
    table_reader(const toml::table& t, const std::string& source, std::string prefix,
                 std::vector<std::string>* keys_read = nullptr)
        : table_(t), source_(source), prefix_(std::move(prefix)), keys_read_(keys_read) {}

    std::string where(const toml::node& n, std::string_view key) const {
        return source_ + ":" + std::to_string(n.source().begin.line) + ": " + prefix_ + std::string(key) + ": ";
    }
    void set_error(std::string e) {
        if (error_.empty()) error_ = std::move(e);
    }
    const std::string& error() const { return error_; }
    const toml::node* node(std::string_view key) const { return table_.get(key); }
    std::vector<std::string>* keys_read() const { return keys_read_; }

    // Calls `read(node, where)` if the key is present; it returns an error text or "".
    void with(std::string_view key, const std::function<std::string(const toml::node&)>& read) {
        known_.emplace_back(key);
        if (keys_read_) keys_read_->push_back(prefix_ + std::string(key));
        const toml::node* n = table_.get(key);
        if (!n || !error_.empty()) return;
        std::string e = read(*n);
        if (!e.empty()) set_error(where(*n, key) + e);
    }

    void string(std::string_view key, std::string& out) {
        with(key, [&](const toml::node& n) -> std::string {
            auto s = n.as_string();
            if (!s) return "expected a string";
            out = s->get();
            return {};
        });
    }
    void boolean(std::string_view key, bool& out) {
        with(key, [&](const toml::node& n) -> std::string {
            auto b = n.as_boolean();
            if (!b) return "expected true or false";
            out = b->get();
            return {};
        });
    }
    template <class Int>
    void integer(std::string_view key, Int& out, std::int64_t lo, std::int64_t hi) {
        with(key, [&](const toml::node& n) -> std::string {
            auto i = n.as_integer();
            if (!i) return "expected an integer";
            if (i->get() < lo || i->get() > hi)
                return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
            out = static_cast<Int>(i->get());
            return {};
        });
    }
    template <class Int>
    void optional_integer(std::string_view key, std::optional<Int>& out) {
        Int v{};
        bool seen = false;
        with(key, [&](const toml::node& n) -> std::string {
            auto i = n.as_integer();
            if (!i || i->get() < 0) return "expected an integer >= 0";
            v = static_cast<Int>(i->get());
            seen = true;
            return {};
        });
        if (seen) out = v;
    }
    void duration(std::string_view key, std::chrono::milliseconds& out, bool allow_zero = false) {
        with(key, [&](const toml::node& n) -> std::string {
            auto s = n.as_string();
            if (!s) return "expected a duration string such as \"5s\" or \"250ms\"";
            auto d = parse_duration_ms(s->get());
            if (!d) return d.error();
            if (!allow_zero && d->count() <= 0) return "must be longer than 0";
            out = *d;
            return {};
        });
    }

    // Errors for keys nobody asked for (typos must not be silently ignored).
    void reject_unknown() {
        for (const auto& [k, n] : table_) {
            if (!error_.empty()) return;
            std::string_view key = k.str();
            if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
                std::string list;
                for (const auto& name : known_) list += (list.empty() ? "" : ", ") + name;
                set_error(where(n, key) + "unknown key (known: " + list + ")");
            }
        }
    }

private:
    const toml::table& table_;
    const std::string& source_;
    std::string prefix_;
    std::vector<std::string>* keys_read_;
    std::vector<std::string> known_;
    std::string error_;
};

// Reads a sub-table ([client], [proxy], [expect]) with `body`; a non-table value is an error.
void sub_table(table_reader& parent, const std::string& source, std::string_view key,
               const std::function<void(table_reader&)>& body) {
    parent.with(key, [&](const toml::node& n) -> std::string {
        const toml::table* t = n.as_table();
        if (!t) return "expected a table ([" + std::string(key) + "])";
        table_reader r(*t, source, std::string(key) + ".", parent.keys_read());
        body(r);
        r.reject_unknown();
        if (!r.error().empty()) parent.set_error(r.error());  // already names file:line and table.key
        return {};
    });
}

std::string join_path(const std::string& dir, const std::string& file) {
    if (file.empty() || file.front() == '/' || dir.empty() || dir == ".") return file;
    return dir.back() == '/' ? dir + file : dir + "/" + file;
}

}  // namespace

bool touches_server(const std::vector<scenario_step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const scenario_step& s) { return s.action != step_action::fault; });
}

result<std::vector<scenario_step>, std::string> parse_scenario_timeline(std::string_view text) {
    auto split = split_timeline(text);
    if (!split) return fail{split.error()};
    std::vector<scenario_step> steps;
    for (const auto& s : *split) {
        scenario_step step;
        step.at_ms = s.at_ms;
        step.text = std::string(s.text);
        if (s.action == "kill_server") {
            step.action = step_action::kill_server;
        } else if (s.action == "restart_server") {
            step.action = step_action::restart_server;
        } else {
            auto cmd = parse_fault(s.action);
            if (!cmd) return fail{step_where(s) + cmd.error() + " (or kill_server, restart_server)"};
            step.command = std::move(*cmd);
        }
        steps.push_back(std::move(step));
    }
    std::stable_sort(steps.begin(), steps.end(),
                     [](const scenario_step& a, const scenario_step& b) { return a.at_ms < b.at_ms; });
    bool killed = false;
    for (const auto& s : steps) {
        if (s.action == step_action::kill_server) {
            if (killed) return fail{"step \"" + s.text + "\": the server is already killed (restart_server first)"};
            killed = true;
        } else if (s.action == step_action::restart_server) {
            if (!killed) return fail{"step \"" + s.text + "\": restart_server needs an earlier kill_server"};
            killed = false;
        }
    }
    return steps;
}

bool is_rest_url(std::string_view url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

result<void, std::string> check_target_steps(const scenario& s) {
    if (s.target.empty()) return {};  // kill_cmd and restart_cmd wait for a --target
    // A kill needs restart_cmd too: the run brings a target the timeline left down back before checking.
    for (const auto& step : s.timeline) {
        if (step.action == step_action::fault) continue;
        const bool no_kill = step.action == step_action::kill_server && s.kill_cmd.empty();
        if (!no_kill && !s.restart_cmd.empty()) continue;
        return fail{s.source + ": timeline: step \"" + step.text + "\" needs " + (no_kill ? "kill_cmd" : "restart_cmd") +
                    ": the target " + s.target + " is not a server rt partition started, so it cannot " +
                    (no_kill ? "kill" : "restart") + " it without a command"};
    }
    return {};
}

namespace {

result<scenario, std::string> parse_scenario_impl(std::string_view toml_text, const std::string& source_name,
                                                  const std::string& base_dir, std::vector<std::string>* keys_read) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return fail{source_name + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                    std::string(e.description())};
    }
    scenario sc;
    sc.source = source_name;
    table_reader r(root, source_name, "", keys_read);
    r.string("description", sc.description);
    std::string spec = "kanban.spec";
    r.string("spec", spec);
    r.with("server_args", [&](const toml::node& n) -> std::string {
        const toml::array* a = n.as_array();
        if (!a) return "expected an array of strings, e.g. [\"--ping-interval\", \"1s\"]";
        for (const auto& item : *a) {
            auto s = item.as_string();
            if (!s) return "expected an array of strings (item " + std::to_string(sc.server_args.size() + 1) + " is not)";
            std::string arg = s->get();
            if (arg == "--listen" || arg == "--spec" || arg == "--db")
                return arg + " is set by the runner (use `spec` and `durable`)";
            sc.server_args.push_back(std::move(arg));
        }
        return {};
    });
    r.boolean("durable", sc.durable);
    r.with("target", [&](const toml::node& n) -> std::string {
        auto s = n.as_string();
        if (!s) return "expected a WebSocket URL such as \"ws://127.0.0.1:8080/live\"";
        auto url = client::parse_ws_url(s->get());
        if (!url) return url.error();
        sc.target = s->get();
        return {};
    });
    r.string("token", sc.token);
    std::string ca;
    r.string("ca", ca);
    if (!ca.empty()) sc.tls.ca_file = join_path(base_dir, ca);
    r.boolean("insecure_skip_verify", sc.tls.insecure_skip_verify);
    r.with("publish_url", [&](const toml::node& n) -> std::string {
        auto s = n.as_string();
        if (!s) return "expected a URL: ws://HOST:PORT/PATH (the protocol) or http://HOST:PORT/PATH (a REST base)";
        const std::string& text = s->get();
        if (is_rest_url(text)) {
            if (auto url = client::parse_http_url(text); !url) return url.error();
        } else if (auto url = client::parse_ws_url(text); !url) {
            return url.error() + " (or http://HOST:PORT/PATH for REST)";
        }
        sc.publish_url = text;
        return {};
    });
    r.string("kill_cmd", sc.kill_cmd);
    r.string("restart_cmd", sc.restart_cmd);
    r.duration("command_timeout", sc.command_timeout_ms);
    r.integer("subscribers", sc.subscribers, 1, max_scenario_subscribers);
    r.integer("boards", sc.boards, 1, 100000);
    r.with("filter", [&](const toml::node& n) -> std::string {
        auto s = n.as_string();
        if (!s || (s->get() != "board" && s->get() != "none")) return "expected \"board\" or \"none\"";
        sc.filter_by_board = s->get() == "board";
        sc.filter_given = true;
        return {};
    });
    // The spec workload (protocol/spec_workload.hpp); what is not given is chosen from the spec.
    r.string("subscription", sc.request.subscription);
    r.string("filter_attr", sc.request.filter_attr);
    r.integer("filter_values", sc.request.filter_values, 1, 100000);
    r.string("entity", sc.request.entity);
    r.string("vary", sc.request.vary_attr);
    r.integer("tasks_per_board", sc.tasks_per_board, 1, 1000);
    r.with("rate", [&](const toml::node& n) -> std::string {
        auto s = n.as_string();
        if (!s) return "expected a rate string such as \"20/s\"";
        auto rate = proto::parse_rate(s->get());
        if (!rate) return rate.error();
        if (!(*rate > 0) || *rate > max_scenario_rate_per_s)
            return "must be above 0 and at most " + std::to_string(static_cast<int>(max_scenario_rate_per_s)) + "/s";
        sc.rate_per_s = *rate;
        return {};
    });
    r.with("payload", [&](const toml::node& n) -> std::string {
        auto str = n.as_string();
        if (!str) return "expected a size string such as \"4KiB\"";
        auto bytes = parse_size_bytes(str->get());
        if (!bytes) return bytes.error();
        if (*bytes > max_scenario_payload_bytes) return "at most 32KiB (the server refuses frames over 64 KiB)";
        sc.payload_bytes = *bytes;
        return {};
    });
    r.duration("duration", sc.duration_ms);
    std::string timeline_where = source_name + ": timeline: ";
    r.with("timeline", [&](const toml::node& n) -> std::string {
        timeline_where = r.where(n, "timeline");
        auto s = n.as_string();
        if (!s) return "expected a string such as \"2s blackhole; 5s heal\"";
        auto steps = parse_scenario_timeline(s->get());
        if (!steps) return steps.error();
        sc.timeline = std::move(*steps);
        return {};
    });
    r.duration("drain_timeout", sc.drain_timeout_ms);
    r.duration("connect_timeout", sc.connect_timeout_ms);
    std::string cap_where = source_name + ": client.backoff_cap: ";
    sub_table(r, source_name, "client", [&](table_reader& c) {
        c.duration("backoff_base", sc.backoff_base_ms);
        c.duration("backoff_cap", sc.backoff_cap_ms);
        if (const toml::node* cap = c.node("backoff_cap")) cap_where = c.where(*cap, "backoff_cap");
        c.integer("threads", sc.client_threads, 1, 16);
    });
    sub_table(r, source_name, "proxy", [&](table_reader& p) {
        p.with("max_queued", [&](const toml::node& n) -> std::string {
            auto s = n.as_string();
            if (!s) return "expected a size string such as \"64KiB\"";
            auto bytes = parse_size_bytes(s->get());
            if (!bytes) return bytes.error();
            if (*bytes == 0) return "must be above 0";
            sc.proxy_max_queued_bytes = *bytes;
            return {};
        });
    });
    sub_table(r, source_name, "expect", [&](table_reader& e) {
        e.optional_integer("max_resyncs", sc.expect.max_resyncs);
        e.optional_integer("min_resyncs", sc.expect.min_resyncs);
        e.optional_integer("min_reconnects", sc.expect.min_reconnects);
        e.optional_integer("min_resumed", sc.expect.min_resumed);
    });
    r.reject_unknown();
    if (!r.error().empty()) return fail{r.error()};
    if (sc.duration_ms > max_scenario_duration_ms) return fail{source_name + ": duration: at most 10m"};
    for (const auto& s : sc.timeline)
        if (s.at_ms > sc.duration_ms)
            return fail{timeline_where + "step \"" + s.text + "\" comes after the end of publishing (duration " +
                        format_duration(sc.duration_ms) + ")"};
    if (sc.backoff_cap_ms < sc.backoff_base_ms) return fail{cap_where + "must be >= backoff_base"};
    if (auto ok = check_target_steps(sc); !ok) return fail{ok.error()};
    if (!sc.tls.ca_file.empty() && sc.tls.insecure_skip_verify)
        return fail{source_name + ": ca and insecure_skip_verify exclude each other"};
    if (sc.filter_given && !sc.request.filter_attr.empty())
        return fail{source_name + ": filter and filter_attr both name the filter: keep filter_attr"};
    if (root.contains("boards") && sc.request.filter_values)
        return fail{source_name + ": boards and filter_values both count the streams: keep filter_values"};
    sc.spec_path = join_path(base_dir, spec);
    return sc;
}

}  // namespace

result<scenario, std::string> parse_scenario_text(std::string_view toml_text, const std::string& source_name,
                                                  const std::string& base_dir) {
    return parse_scenario_impl(toml_text, source_name, base_dir, nullptr);
}

std::vector<std::string> scenario_keys() {
    std::vector<std::string> keys;
    // Empty sub-tables, so that their readers run and name their keys too.
    parse_scenario_impl("[client]\n[proxy]\n[expect]\n", "keys", ".", &keys);
    // The sub-tables themselves are not keys of their own: "client" goes, "client.threads" stays.
    std::vector<std::string> leaves;
    for (const auto& k : keys) {
        const bool is_table = std::any_of(keys.begin(), keys.end(),
                                          [&](const std::string& other) { return other.rfind(k + ".", 0) == 0; });
        if (!is_table) leaves.push_back(k);
    }
    return leaves;
}

result<scenario, std::string> load_scenario(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail{"cannot read scenario file '" + path + "'"};
    std::ostringstream ss;
    ss << in.rdbuf();
    std::size_t slash = path.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
    auto sc = parse_scenario_text(ss.str(), path, dir);
    if (!sc) return sc;
    std::size_t dot = file.rfind('.');
    sc->name = dot == std::string::npos ? file : file.substr(0, dot);
    return sc;
}

nlohmann::json to_json(const scenario& s) {
    auto steps = nlohmann::json::array();
    for (const auto& st : s.timeline) steps.push_back({{"at_ms", st.at_ms.count()}, {"step", st.text}});
    return nlohmann::json{{"name", s.name},
                          {"source", s.source},
                          {"description", s.description},
                          {"spec", s.spec_path},
                          {"server_args", s.server_args},
                          {"durable", s.durable},
                          {"target", s.target},
                          {"subscribers", s.subscribers},
                          {"boards", s.boards},
                          {"filter", s.filter_by_board ? "board" : "none"},
                          {"tasks_per_board", s.tasks_per_board},
                          {"subscription", s.request.subscription},
                          {"filter_attr", s.request.filter_attr},
                          {"filter_values", s.request.filter_values},
                          {"entity", s.request.entity},
                          {"vary", s.request.vary_attr},
                          {"rate_per_s", s.rate_per_s},
                          {"payload_bytes", s.payload_bytes},
                          {"duration_ms", s.duration_ms.count()},
                          {"timeline", steps},
                          {"drain_timeout_ms", s.drain_timeout_ms.count()}};
}

}  // namespace rt::chaos
