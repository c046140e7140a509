#pragma once
// Opens, binds and listens an acceptor on `at` (port 0: ephemeral), with SO_REUSEADDR.
// On failure the acceptor is closed again and `ec` says why; on success returns the bound endpoint.
#include <asio.hpp>

namespace rt::chaos {

inline asio::ip::tcp::endpoint listen_acceptor(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& at,
                                               std::error_code& ec) {
    asio::ip::tcp::endpoint bound;
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) bound = acceptor.local_endpoint(ec);
    if (ec) {
        std::error_code ignored;
        acceptor.close(ignored);
    }
    return bound;
}

}  // namespace rt::chaos
