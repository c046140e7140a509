#include "client/spec_source.hpp"

#include "client/http_client.hpp"
#include "client/ws_url.hpp"

namespace rt::client {

namespace {

std::string spec_errors_text(const std::vector<spec::spec_error>& errors) {
    std::string out;
    for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e.to_string();
    return out;
}

}  // namespace

result<spec::app, spec_source_error> load_app_spec(const std::string& source, const std::string& ws_url,
                                                   const std::string& token, std::chrono::milliseconds fetch_timeout,
                                                   const tls_trust& trust) {
    result<spec::app, std::vector<spec::spec_error>> parsed = make_unexpected(std::vector<spec::spec_error>{});
    if (source == "server") {
        auto url = parse_ws_url(ws_url);
        if (!url) return make_unexpected(spec_source_error{true, url.error()});
        const std::string where = std::string(url->secure ? "https://" : "http://") + url->host + ":" +
                                  std::to_string(url->port) + spec_endpoint;
        // A reply over 1 MiB is refused (http_exchange's cap): specs are a few KiB.
        auto reply = http_exchange(http_base_of(*url), http_call{"GET", spec_endpoint, "", token}, fetch_timeout, trust);
        if (!reply) return make_unexpected(spec_source_error{false, "cannot fetch the spec from " + where + ": " + reply.error()});
        if (reply->status != 200)
            return make_unexpected(spec_source_error{false, "cannot fetch the spec from " + where + ": HTTP " +
                                                                std::to_string(reply->status) + " " + reply->body});
        parsed = spec::parse_spec(reply->body, where);
    } else {
        parsed = spec::load_spec_file(source);
    }
    if (!parsed) return make_unexpected(spec_source_error{true, spec_errors_text(parsed.error())});
    return std::move(parsed).value();
}

}  // namespace rt::client
