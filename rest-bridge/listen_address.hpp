#pragma once
// "ADDR:PORT" as given to --listen, and whether it is loopback-only (the one
// case in which the bridge may run without a token).
#include <cstdint>
#include <string>

namespace minions::rest {

struct ListenAddress {
    std::string host;  // "0.0.0.0", "127.0.0.1", "::1" (no brackets)
    uint16_t port = 3000;
};

// Accepts "HOST:PORT" and "[V6]:PORT"; throws std::invalid_argument.
ListenAddress parse_listen_address(const std::string& text);
bool is_loopback(const ListenAddress& address);
// "127.0.0.1:3000" or "[::1]:3000".
std::string to_string(const ListenAddress& address);

}  // namespace minions::rest
