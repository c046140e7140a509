#pragma once
// Test certificates made at test time by the openssl CLI, once per test process: a private CA, a
// server certificate it signed for 127.0.0.1 and localhost, one for another host name, one for the
// name localhost only, and a second, unrelated CA with its own server certificate. Shared by the TLS tests of rt serve and
// of rt partition run.
#include <string>

namespace rt::test {

struct tls_files {
    std::string dir;
    std::string ca, other_ca;        // trust anchors
    std::string cert, key;           // signed by ca, for 127.0.0.1 and localhost
    std::string other_cert, other_key;  // signed by other_ca, for 127.0.0.1 and localhost
    std::string wrong_host_cert, wrong_host_key;  // signed by ca, for rt.example.test only
    std::string name_cert, name_key;              // signed by ca, for localhost only (no IP address)
};

// Makes the certificates once per test process (throws if openssl fails).
const tls_files& tls_certs();

}  // namespace rt::test
