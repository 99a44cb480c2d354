#pragma once
// IPv4 subnet arithmetic for the VM network: parsing "10.0.0.1/16" and
// enumerating the host addresses a VM may take.
#include <cstdint>
#include <string>
#include <string_view>

namespace minions {

struct Subnet {
    uint32_t gateway = 0;  // host order; the bridge's own address
    uint8_t prefix = 0;    // 1..30

    // Parses "A.B.C.D/P" where A.B.C.D is the gateway. Throws Error{InvalidArgument}.
    static Subnet parse(std::string_view cidr);

    uint32_t network() const;
    uint32_t broadcast() const;
    // First and last address a VM may get (network+1 .. broadcast-1, gateway excluded by callers).
    uint32_t first_host() const;
    uint32_t last_host() const;
    bool contains(uint32_t addr) const;
    std::string gateway_string() const;
    std::string to_string() const;  // "10.0.0.1/16"
};

std::string ipv4_to_string(uint32_t addr);
uint32_t ipv4_from_string(std::string_view text);  // throws Error{InvalidArgument}

// The MAC of a VM, from its CID: 52:54:00:00:<cid high byte>:<cid low byte>.
std::string mac_for_cid(uint32_t cid);

}  // namespace minions
