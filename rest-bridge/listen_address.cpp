#include "listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace minions::rest {

ListenAddress parse_listen_address(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw std::invalid_argument("expected ADDR:PORT, got '" + text + "'");
    ListenAddress address;
    address.host = text.substr(0, colon);
    if (address.host.front() == '[' && address.host.back() == ']')
        address.host = address.host.substr(1, address.host.size() - 2);
    unsigned port = 0;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last || port > 65535)
        throw std::invalid_argument("invalid port in '" + text + "'");
    address.port = static_cast<uint16_t>(port);
    in_addr v4{};
    in6_addr v6{};
    if (address.host != "localhost" && inet_pton(AF_INET, address.host.c_str(), &v4) != 1 &&
        inet_pton(AF_INET6, address.host.c_str(), &v6) != 1)
        throw std::invalid_argument("invalid address '" + address.host + "' (use a numeric IP address)");
    return address;
}

bool is_loopback(const ListenAddress& address) {
    if (address.host == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, address.host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

std::string to_string(const ListenAddress& address) {
    bool v6 = address.host.find(':') != std::string::npos;
    return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace minions::rest
