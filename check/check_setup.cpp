#include "check/check_setup.hpp"

#include "client/http_client.hpp"
#include "client/spec_source.hpp"
#include "client/ws_url.hpp"

namespace rt::check {

const std::string& check_spec_text() {
    static const std::string text = R"(// The app rt check needs when a server serves no spec of its own (rt check --print-spec).
app RtCheck {
  entity Item {
    attr topic: string
    attr label: string
    attr state: "open" | "closed"
    attr rank: int
  }
  view OpenItems: Item where state != "closed"
  subscription ItemUpdates: view OpenItems
  subscription ItemDetail: Item by id
  subscription AllItems: Item
}
)";
    return text;
}

result<check_inputs, setup_error> prepare_check(const std::string& url, const std::string& token, const std::string& spec,
                                                ms step_timeout, const std::string& limited_token) {
    check_inputs in;
    auto u = client::parse_ws_url(url);
    if (!u) return make_unexpected(setup_error{true, "--url: " + u.error()});
    in.target.host = u->host;
    in.target.port = u->port;
    in.target.path = u->path;
    in.target.query = u->query;
    in.target.token = token;
    in.target.limited_token = limited_token;
    in.target.step_timeout = step_timeout;

    result<spec::app, client::spec_source_error> app = make_unexpected(client::spec_source_error{});
    if (spec == "check") {
        auto parsed = spec::parse_spec(check_spec_text(), "check.spec");
        if (!parsed) return make_unexpected(setup_error{true, "the built-in check spec does not parse"});
        app = std::move(parsed).value();
        in.spec_source = "the check spec (rt check --print-spec)";
    } else {
        app = client::load_app_spec(spec, url, token, step_timeout);
        in.spec_source = spec == "server" ? std::string("GET /api/_spec") : spec;
    }
    if (!app) {
        std::string msg = app.error().message;
        if (spec == "server")
            msg += "\n(pass --spec FILE with your app's spec, or run the server with the check spec: rt check --print-spec > check.spec)";
        return make_unexpected(setup_error{app.error().usage, msg});
    }
    auto shape = derive_shape(*app);
    if (!shape) return make_unexpected(setup_error{true, shape.error()});
    in.shape = std::move(*shape);

    auto reply = client::http_exchange(client::http_url{u->host, u->port, ""}, client::http_call{"GET", "/api/_info", "", token},
                                       step_timeout);
    if (!reply) return make_unexpected(setup_error{false, "cannot reach " + u->host + ":" + std::to_string(u->port) + ": " + reply.error()});
    if (reply->status == 200) {
        in.info.raw = nlohmann::json::parse(reply->body, nullptr, false);
        in.info.announced = in.info.raw.is_object();
    }
    return in;
}

}  // namespace rt::check
