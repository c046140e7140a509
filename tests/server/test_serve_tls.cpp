// TLS end to end (issue 17, items 1-2): `rt serve --tls-cert/--tls-key` and the client commands
// over wss:// and https://, with certificates made at test time by the openssl CLI: a private CA,
// a server certificate it signed for 127.0.0.1/localhost, one for another host name, and a second,
// unrelated CA. The app is the helpdesk example.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/rt_process.hpp"
#include "support/tls_certs.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

namespace {

std::string tls_helpdesk_spec() { return std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec"; }

// rt serve on the helpdesk spec with TLS from `cert`/`key`.
rt_server tls_server(const std::string& cert, const std::string& key) {
    return rt_server({"--tls-cert", cert, "--tls-key", key}, tls_helpdesk_spec());
}

std::string tls_url(const rt_server& s, const std::string& host = "127.0.0.1") {
    return "wss://" + host + ":" + std::to_string(s.port()) + "/live";
}

// `rt subscribe TeamQueue --filter {"team":"billing"}` over `url` with `tls_flags`, one event.
std::vector<std::string> tls_subscribe_args(const std::string& url, const std::vector<std::string>& tls_flags) {
    std::vector<std::string> a{"subscribe", "--url", url, "TeamQueue", "--filter", R"({"team":"billing"})",
                               "--count", "1", "--timeout", "20s", "--max-retries", "0"};
    a.insert(a.end(), tls_flags.begin(), tls_flags.end());
    return a;
}

run_result tls_publish(const std::string& url, const std::string& ca, const std::string& id) {
    return run_rt({"publish", "--url", url, "--ca", ca, "Ticket", "--op", "insert", "--id", id, "--data",
                   R"({"subject":"printer on fire","team":"billing","status":"new","priority":"high"})"});
}

// Starts a subscriber, waits until it is connected, publishes one ticket, and checks the event.
// Both trust `ca`.
void tls_subscribe_gets_event(const rt_server& srv, const std::string& url, const std::string& ca, const std::string& id) {
    rt_process sub(tls_subscribe_args(url, {"--ca", ca}));
    REQUIRE(sub.wait_for_output("snapshot of", 15s));
    auto pub = tls_publish(tls_url(srv), ca, id);
    INFO(pub.err);
    REQUIRE(pub.exit_code == 0);
    auto code = sub.wait_exit(15s);
    INFO(sub.err());
    REQUIRE(code == 0);
    CHECK(sub.out().find("\"id\":\"" + id + "\"") != std::string::npos);
}

}  // namespace

TEST_CASE("tls: rt subscribe --ca trusts a private CA, rt publish over wss:// reaches it", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.cert, c.key);
    CHECK(srv.proc().err().find("listening on wss://127.0.0.1:") != std::string::npos);
    tls_subscribe_gets_event(srv, tls_url(srv), c.ca, "t-ip");
    tls_subscribe_gets_event(srv, tls_url(srv, "localhost"), c.ca, "t-name");  // by name: SNI and DNS SAN
}

TEST_CASE("tls: a certificate from another CA is refused with exit 5 and a clear message", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.cert, c.key);
    for (const auto& flags : {std::vector<std::string>{"--ca", c.other_ca}, std::vector<std::string>{}}) {
        auto r = run_rt(tls_subscribe_args(tls_url(srv), flags));
        INFO(r.err);
        CHECK(r.exit_code == 5);
        CHECK(r.err.find("certificate verify failed: unable to get local issuer certificate") != std::string::npos);
        CHECK(r.err.find("use --ca FILE for a private CA") != std::string::npos);
    }
    auto pub = tls_publish(tls_url(srv), c.other_ca, "t1");
    CHECK(pub.exit_code == 1);
    CHECK(pub.err.find("certificate verify failed") != std::string::npos);
}

TEST_CASE("tls: a certificate for another host name is refused", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.wrong_host_cert, c.wrong_host_key);
    for (const char* host : {"127.0.0.1", "localhost"}) {
        auto r = run_rt(tls_subscribe_args(tls_url(srv, host), {"--ca", c.ca}));
        INFO(host << "\n" << r.err);
        CHECK(r.exit_code == 5);
        CHECK(r.err.find("certificate verify failed") != std::string::npos);
        CHECK(r.err.find("mismatch (the certificate is not for the host in the URL)") != std::string::npos);
    }
}

TEST_CASE("tls: --insecure-skip-verify connects to an untrusted server and warns", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.wrong_host_cert, c.wrong_host_key);
    rt_process sub(tls_subscribe_args(tls_url(srv), {"--insecure-skip-verify"}));
    REQUIRE(sub.wait_for_output("snapshot of", 15s));
    CHECK(sub.err().find("warning: --insecure-skip-verify: the server's certificate is not checked") != std::string::npos);
    auto r = run_rt({"subscribe", "--url", tls_url(srv), "--ca", c.ca, "--insecure-skip-verify", "TeamQueue"});
    CHECK(r.exit_code == 2);  // the two exclude each other
}

TEST_CASE("tls: a plain ws:// client on the TLS port fails cleanly and the server goes on", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.cert, c.key);
    auto plain = run_rt(tls_subscribe_args(srv.ws_url(), {}));
    INFO(plain.err);
    CHECK(plain.exit_code == 1);  // gave up after --max-retries 0
    CHECK(srv.proc().wait_for_output("TLS handshake failed from 127.0.0.1:", 10s));
    auto http = http_request(srv.port(), "GET", "/healthz");
    CHECK(http.status != 200);  // plain HTTP is not answered on the TLS port
    tls_subscribe_gets_event(srv, tls_url(srv), c.ca, "t-after");
}

TEST_CASE("tls: REST, /healthz and /metrics over https:// on the same port", "[server][tls]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.cert, c.key);
    const std::string base = "https://127.0.0.1:" + std::to_string(srv.port());
    auto curl = [&](const std::string& args) {
        const std::string out = c.dir + "/curl.out";
        const std::string cmd = "curl -s -S --max-time 10 --cacert " + c.ca + " " + args + " > " + out + " 2>&1";
        const int status = std::system(cmd.c_str());
        std::ifstream in(out);
        std::stringstream ss;
        ss << in.rdbuf();
        return std::make_pair(status, ss.str());
    };
    auto health = curl(base + "/healthz");
    CHECK(health.first == 0);
    CHECK(health.second.find("\"ok\"") != std::string::npos);
    auto put = curl("-X POST -H 'Content-Type: application/json' -d '{\"id\":\"t9\",\"subject\":\"s\",\"team\":\"billing\","
                    "\"status\":\"new\",\"priority\":\"low\"}' " + base + "/api/Ticket");
    INFO(put.second);
    CHECK(put.first == 0);
    auto get = curl(base + "/api/Ticket/t9");
    CHECK(get.second.find("\"t9\"") != std::string::npos);
    auto metrics = curl(base + "/metrics");
    CHECK(metrics.second.find("rt_connections") != std::string::npos);
}

TEST_CASE("tls: SIGHUP re-reads the certificate, open connections stay, new ones see the new one", "[server][tls]") {
    const auto& c = tls_certs();
    const std::string cert = c.dir + "/live.pem", key = c.dir + "/live.key";
    auto copy = [](const std::string& from, const std::string& to) {
        std::ifstream in(from, std::ios::binary);
        std::ofstream out(to, std::ios::binary | std::ios::trunc);
        out << in.rdbuf();
        REQUIRE(out.good());
    };
    copy(c.cert, cert);
    copy(c.key, key);
    rt_server srv = tls_server(cert, key);
    rt_process old_sub(tls_subscribe_args(tls_url(srv), {"--ca", c.ca}));
    REQUIRE(old_sub.wait_for_output("snapshot of", 15s));

    copy(c.other_cert, cert);
    copy(c.other_key, key);
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("TLS certificate reloaded from", 10s));

    auto refused = run_rt(tls_subscribe_args(tls_url(srv), {"--ca", c.ca}));
    CHECK(refused.exit_code == 5);  // new handshakes get the other CA's certificate
    auto pub = tls_publish(tls_url(srv), c.other_ca, "t-rotated");
    INFO(pub.err);
    REQUIRE(pub.exit_code == 0);
    auto code = old_sub.wait_exit(15s);  // the connection made before the reload got the event
    INFO(old_sub.err());
    REQUIRE(code == 0);
    CHECK(old_sub.out().find("\"t-rotated\"") != std::string::npos);

    std::ofstream(cert, std::ios::trunc) << "not a certificate\n";
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("TLS certificate not reloaded, keeping the previous one", 10s));
    tls_subscribe_gets_event(srv, tls_url(srv), c.other_ca, "t-kept");
}

TEST_CASE("tls: rt loadgen over wss:// (spec over https://) delivers every event exactly once", "[server][tls][loadgen]") {
    const auto& c = tls_certs();
    rt_server srv = tls_server(c.cert, c.key);
    auto r = run_rt({"loadgen", "--url", tls_url(srv), "--ca", c.ca, "--spec", "server", "--conns", "50", "--rate",
                     "20/s", "--duration", "1s", "--max-loss", "0", "--max-dup", "0", "--json", "-", "--quiet"},
                    60s);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto report = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(report.is_discarded());
    CHECK(report["config"]["workload_plan"]["subscription"] == "TeamQueue");  // the spec came over https://
    CHECK(report["connections"]["subscribed"] == 50);
    CHECK(report["deliveries"]["lost"] == 0);
    auto refused = run_rt({"loadgen", "--url", tls_url(srv), "--ca", c.other_ca, "--spec", "server", "--conns", "5",
                           "--duration", "1s", "--quiet"},
                          60s);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("certificate verify failed") != std::string::npos);
}
