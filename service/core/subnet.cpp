#include "subnet.hpp"

#include <charconv>
#include <cstdio>

#include "error.hpp"

namespace minions {
namespace {

[[noreturn]] void bad_address(std::string_view text, const std::string& why) {
    throw Error(Errc::InvalidArgument, "Invalid IPv4 address '" + std::string(text) + "': " + why);
}

[[noreturn]] void bad_subnet(std::string_view text, const std::string& why) {
    throw Error(Errc::InvalidArgument, "Invalid subnet '" + std::string(text) + "': " + why);
}

// A decimal number made of digits only (no sign, spaces or leading zeros), at most `max`.
bool parse_decimal(std::string_view text, unsigned max, unsigned& out) {
    if (text.empty() || text.size() > 3) return false;
    if (text.size() > 1 && text[0] == '0') return false;  // "010" could be read as octal elsewhere
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max) return false;
    out = value;
    return true;
}

uint32_t mask_of(uint8_t prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }

}  // namespace

uint32_t ipv4_from_string(std::string_view text) {
    uint32_t addr = 0;
    std::string_view rest = text;
    for (int i = 0; i < 4; ++i) {
        std::size_t dot = rest.find('.');
        std::string_view part = i < 3 ? rest.substr(0, dot) : rest;
        if (i < 3 && dot == std::string_view::npos) bad_address(text, "expected four numbers separated by '.'");
        unsigned octet = 0;
        if (!parse_decimal(part, 255, octet))
            bad_address(text, "'" + std::string(part) + "' is not a number from 0 to 255");
        addr = (addr << 8) | octet;
        if (i < 3) rest = rest.substr(dot + 1);
    }
    return addr;
}

std::string ipv4_to_string(uint32_t addr) {
    return std::to_string(addr >> 24) + "." + std::to_string((addr >> 16) & 0xff) + "." +
           std::to_string((addr >> 8) & 0xff) + "." + std::to_string(addr & 0xff);
}

Subnet Subnet::parse(std::string_view cidr) {
    std::size_t slash = cidr.find('/');
    if (slash == std::string_view::npos) bad_subnet(cidr, "expected <gateway>/<prefix>, e.g. 10.0.0.1/16");
    unsigned prefix = 0;
    // /31 and /32 leave no address for a VM next to the gateway.
    if (!parse_decimal(cidr.substr(slash + 1), 30, prefix) || prefix < 1)
        bad_subnet(cidr, "the prefix length must be a number from 1 to 30");
    Subnet s;
    try {
        s.gateway = ipv4_from_string(cidr.substr(0, slash));
    } catch (const Error& e) {
        bad_subnet(cidr, e.what());
    }
    s.prefix = static_cast<uint8_t>(prefix);
    if (s.gateway == s.network()) bad_subnet(cidr, "the gateway must not be the network address");
    if (s.gateway == s.broadcast()) bad_subnet(cidr, "the gateway must not be the broadcast address");
    return s;
}

uint32_t Subnet::network() const { return gateway & mask_of(prefix); }
uint32_t Subnet::broadcast() const { return network() | ~mask_of(prefix); }
uint32_t Subnet::first_host() const { return network() + 1; }
uint32_t Subnet::last_host() const { return broadcast() - 1; }
bool Subnet::contains(uint32_t addr) const { return (addr & mask_of(prefix)) == network(); }
std::string Subnet::gateway_string() const { return ipv4_to_string(gateway); }
std::string Subnet::to_string() const { return gateway_string() + "/" + std::to_string(prefix); }

std::string mac_for_cid(uint32_t cid) {
    // Only the low 16 bits fit; the store keeps CIDs below 65536 so MACs stay unique.
    char buf[18];
    std::snprintf(buf, sizeof buf, "52:54:00:00:%02x:%02x", (cid >> 8) & 0xffu, cid & 0xffu);
    return buf;
}

}  // namespace minions
