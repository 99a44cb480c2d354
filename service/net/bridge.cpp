// The VM bridge: created once, given the subnet's gateway address, kept up.
#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>

#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "net/net.hpp"
#include "net/netlink.hpp"

namespace minions::net {

using namespace detail;

namespace {

struct AddrPut {
    void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RtAddrPut {
    void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct CacheFree {
    void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using Addr = std::unique_ptr<nl_addr, AddrPut>;

Addr ipv4(uint32_t host_order, int prefix, const std::string& doing) {
    const uint32_t be = htonl(host_order);
    Addr addr(nl_addr_build(AF_INET, &be, sizeof be));
    if (!addr) throw Error(Errc::Internal, doing + ": out of memory building an address");
    nl_addr_set_prefixlen(addr.get(), prefix);
    return addr;
}

bool same_ipv4(nl_addr* addr, uint32_t host_order) {
    if (!addr || nl_addr_get_family(addr) != AF_INET || nl_addr_get_len(addr) != 4) return false;
    uint32_t be = 0;
    std::memcpy(&be, nl_addr_get_binary_addr(addr), sizeof be);
    return ntohl(be) == host_order;
}

Link create_bridge(nl_sock* sock, const std::string& bridge, const std::string& doing) {
    int err = rtnl_link_bridge_add(sock, bridge.c_str());
    if (err < 0 && err != -NLE_EXIST) throw_netlink("creating bridge " + bridge, err);
    auto link = find_link(sock, bridge, doing);
    if (!link) throw Error(Errc::Internal, "creating bridge " + bridge + ": it vanished right after creation");
    return link;
}

// Makes sure the bridge carries gateway/prefix: an address with the right
// prefix is kept, the same address with another prefix is replaced, other
// addresses an administrator put there are left alone.
void ensure_address(nl_sock* sock, int ifindex, const std::string& bridge, const Subnet& subnet) {
    const std::string doing = "setting address " + subnet.to_string() + " on bridge " + bridge;
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock, &raw); err < 0) throw_netlink(doing, err);
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
        auto* existing = reinterpret_cast<rtnl_addr*>(obj);
        if (rtnl_addr_get_ifindex(existing) != ifindex || rtnl_addr_get_family(existing) != AF_INET) continue;
        if (!same_ipv4(rtnl_addr_get_local(existing), subnet.gateway)) continue;
        if (rtnl_addr_get_prefixlen(existing) == subnet.prefix) return;
        if (int err = rtnl_addr_delete(sock, existing, 0); err < 0 && err != -NLE_NOADDR)
            throw_netlink(doing + " (removing the old prefix)", err);
    }

    std::unique_ptr<rtnl_addr, RtAddrPut> addr(rtnl_addr_alloc());
    if (!addr) throw Error(Errc::Internal, doing + ": out of memory");
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    auto local = ipv4(subnet.gateway, subnet.prefix, doing);
    auto broadcast = ipv4(subnet.broadcast(), 32, doing);
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) throw_netlink(doing, err);
    rtnl_addr_set_prefixlen(addr.get(), subnet.prefix);
    if (int err = rtnl_addr_set_broadcast(addr.get(), broadcast.get()); err < 0) throw_netlink(doing, err);
    if (int err = rtnl_addr_add(sock, addr.get(), 0); err < 0 && err != -NLE_EXIST) throw_netlink(doing, err);
}

}  // namespace

void ensure_bridge(const std::string& bridge, const Subnet& subnet) {
    const std::string doing = "setting up bridge " + bridge;
    auto sock = connect_route(doing);
    auto link = find_link(sock.get(), bridge, doing);
    if (!link) {
        link = create_bridge(sock.get(), bridge, doing);
    } else if (!rtnl_link_is_bridge(link.get())) {
        throw Error(Errc::Internal, doing + ": a link named " + bridge +
                                        " exists and is not a bridge; pick another bridge name or remove it");
    }
    ensure_address(sock.get(), rtnl_link_get_ifindex(link.get()), bridge, subnet);
    if ((rtnl_link_get_flags(link.get()) & IFF_UP) == 0) {
        auto up = new_link(doing);
        rtnl_link_set_flags(up.get(), IFF_UP);
        change_link(sock.get(), link.get(), up.get(), "bringing bridge " + bridge + " up");
    }
}

}  // namespace minions::net
