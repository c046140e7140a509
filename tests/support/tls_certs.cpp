#include "support/tls_certs.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <stdexcept>

namespace rt::test {

// Made once; a failing openssl throws (and fails the test that asked).
const tls_files& tls_certs() {
    static const tls_files f = [] {
        char tmpl[] = "/tmp/rt_tls_test_XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        tls_files t;
        t.dir = tmpl;
        auto at = [&](const char* name) { return t.dir + "/" + name; };
        t.ca = at("ca.pem");
        t.other_ca = at("other_ca.pem");
        t.cert = at("server.pem");
        t.key = at("server.key");
        t.other_cert = at("other_server.pem");
        t.other_key = at("other_server.key");
        t.wrong_host_cert = at("wrong_host.pem");
        t.wrong_host_key = at("wrong_host.key");
        t.name_cert = at("name_only.pem");
        t.name_key = at("name_only.key");
        // EC keys: fast to make. A CA, then a leaf signed by it with the given subjectAltName.
        const std::string script =
            "set -e; cd " + t.dir + "\n"
            "ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.pem "
            "-days 2 -subj \"/CN=$1\" 2>/dev/null; }\n"
            "leaf() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr "
            "-subj /CN=rt-test 2>/dev/null; printf 'subjectAltName=%s\\n' \"$3\" > $1.ext; "
            "openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days 2 "
            "-extfile $1.ext 2>/dev/null; }\n"
            "ca ca; ca other_ca\n"
            "leaf server ca DNS:localhost,IP:127.0.0.1\n"
            "leaf other_server other_ca DNS:localhost,IP:127.0.0.1\n"
            "leaf wrong_host ca DNS:rt.example.test\n"
            "leaf name_only ca DNS:localhost\n";
        const std::string cmd = "/bin/sh -c '" + [&] {
            std::string q;
            for (char c : script) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
            return q;
        }() + "'";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make the test certificates");
        return t;
    }();
    return f;
}

}  // namespace rt::test
