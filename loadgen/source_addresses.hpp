#pragma once
// The local addresses a run's subscriber connections bind to. Pure: the caller draws the random
// number, so a test can pick it.
//
// Why every run takes addresses of its own: the server closes each WebSocket's TCP connection
// first (RFC 6455 §7.1.1), so each connection of a run leaves a TIME-WAIT socket on the server's
// side for 60 s, keyed by (server address:port, client address:port). A second run from the same
// client address reuses those client ports: the kernel choosing them cannot see the server's
// TIME-WAIT entries (they belong to the other end's socket). A SYN that lands on one is accepted
// when its TCP timestamp is newer; otherwise it is answered with an ACK, reset and retried a
// second later. Linux routes all of 127.0.0.0/8 to the loopback interface, so a loopback target
// is reached from 127.A.B.1..N with (A, B) drawn per run: 65,280 prefixes, so two runs a minute
// apart share one with probability 1/65,280, and then they are no worse off than before.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rt::loadgen {

// Addresses for `count` (1..254) source addresses when connecting to `target_host`:
// - target_host a literal IPv4 address in 127.0.0.0/8: "127.A.B.1" .. "127.A.B.<count>", with
//   A = 1 + draw % 255 and B = (draw / 255) % 256 (so never 127.0.0.x, which other clients use);
// - anything else (another host, "localhost", IPv6): one empty string, meaning the kernel picks,
//   whatever `count` says (finalize() refuses --source-ips above 1 for such targets).
std::vector<std::string> source_addresses(std::string_view target_host, std::uint32_t count, std::uint32_t draw);

// True for a literal dotted IPv4 address in 127.0.0.0/8 ("127.0.0.1", "127.9.8.7").
bool is_loopback_ipv4(std::string_view host);

}  // namespace rt::loadgen
