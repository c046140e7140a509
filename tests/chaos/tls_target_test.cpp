// Black-box: `rt partition run` against an external `wss://` target — an `rt serve --tls-cert
// --tls-key` this test starts, on the helpdesk spec, with a certificate from a private CA made at
// test time (support/tls_certs.hpp). The fault proxy passes the TLS bytes through; the subscribers
// behind it verify the target's certificate, the publisher (REST over https://) and the reference
// subscribers connect to it directly.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "chaos/scenario.hpp"
#include "report_checks.hpp"
#include "support/rt_process.hpp"
#include "support/tls_certs.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

namespace {

// rt serve on the helpdesk spec, TLS with the private CA's certificate for localhost only: a
// subscriber that checked it against the proxy's address (127.0.0.1) would refuse it.
rt_server tls_target_server() {
    const auto& c = tls_certs();
    return rt_server({"--tls-cert", c.name_cert, "--tls-key", c.name_key, "--log-level", "warn"},
                     std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec");
}

// A short scenario on the helpdesk spec against `target` (a wss:// URL), publishing over REST at
// `publish_url`, one reset through the proxy.
std::string tls_target_scenario(const std::string& target, const std::string& publish_url) {
    return "spec = \"" + std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec\"\n"
           "target = \"" + target + "\"\n"
           "publish_url = \"" + publish_url + "\"\n"
           "subscribers = 4\nfilter_values = 2\nrate = \"20/s\"\nduration = \"2s\"\n"
           "timeline = \"1s reset\"\n"
           "[expect]\nmin_reconnects = 4\n";
}

}  // namespace

TEST_CASE("scenario: a wss:// target, an https:// publish_url and a ca relative to the scenario's folder",
          "[chaos][scenario][tls]") {
    auto sc = rt::chaos::parse_scenario_text("target = \"wss://127.0.0.1:9443/live\"\n"
                                             "publish_url = \"https://127.0.0.1:9443/api\"\nca = \"ca.pem\"\n",
                                             "s.toml", "scenarios");
    INFO((sc.ok() ? std::string() : sc.error()));
    REQUIRE(sc.ok());
    CHECK(sc->tls.ca_file == "scenarios/ca.pem");
    CHECK_FALSE(sc->tls.insecure_skip_verify);
    CHECK(rt::chaos::is_rest_url(sc->publish_url));
    auto skip = rt::chaos::parse_scenario_text("insecure_skip_verify = true\n", "s.toml", "scenarios");
    REQUIRE(skip.ok());
    CHECK(skip->tls.insecure_skip_verify);
    CHECK(skip->tls.ca_file.empty());
}

TEST_CASE("partition run: wss:// target with --ca passes exactly once through the proxy, and is refused without it",
          "[chaos][scenario][target][tls]") {
    rt_server target = tls_target_server();
    const std::string port = std::to_string(target.port());
    // By name: the proxied subscribers connect to the proxy's address and verify "localhost".
    const std::string scenario =
        tls_target_scenario("wss://localhost:" + port + "/live", "https://localhost:" + port + "/api");

    auto ok = external_run("tls-target", scenario, {"--ca", tls_certs().ca}, 40s);
    INFO(ok.run.out);
    INFO(ok.run.err);
    CHECK(ok.run.exit_code == 0);
    CHECK_THAT(ok.run.err, Catch::Contains("publishing over REST to https://localhost:" + port + "/api"));
    external_check_exactly_once(ok.report);
    CHECK(ok.report["reconnects"].get<int>() >= 4);  // the reset bit: subscribers reconnected over TLS via the proxy
    CHECK(ok.report["acked_not_delivered"] == 0);

    // The system's trust store does not know the private CA: the run stops before anything starts.
    auto refused = external_run("tls-target-refused", scenario, {}, 40s);
    INFO(refused.run.err);
    CHECK(refused.run.exit_code == 1);
    CHECK_THAT(refused.run.err, Catch::Contains("certificate verify failed"));
    CHECK_THAT(refused.run.err, Catch::Contains("--ca FILE"));
    CHECK_FALSE(refused.report.is_object());  // no report: the run did not take place
}
