// Persistent TAP devices for the hypervisors, attached to the VM bridge.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "net/net.hpp"
#include "net/netlink.hpp"

namespace minions::net {

using namespace detail;

namespace {

// A descriptor on /dev/net/tun bound to the TAP `name` with the flags the
// hypervisors use (virtio-net headers, no packet info); creates the device
// if it does not exist yet.
UniqueFd bind_tap(const std::string& name, const std::string& doing) {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) throw_errno(doing + ": opening /dev/net/tun", errno);
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) throw_errno(doing, errno);
    return fd;
}

// Makes the device outlive this file descriptor.
void make_persistent_tap(const std::string& name, const std::string& doing) {
    auto fd = bind_tap(name, doing);
    if (::ioctl(fd.get(), TUNSETPERSIST, 1) < 0) throw_errno(doing, errno);
}

}  // namespace

void create_tap(const std::string& name, const std::string& bridge) {
    const std::string doing = "creating TAP device " + name;
    if (name.empty() || name.size() >= IFNAMSIZ)
        throw Error(Errc::Internal, doing + ": the name must have 1 to " + std::to_string(IFNAMSIZ - 1) + " characters");
    auto sock = connect_route(doing);
    auto master = find_link(sock.get(), bridge, doing);
    if (!master) throw Error(Errc::Internal, doing + ": bridge " + bridge + " does not exist");

    // A device left behind by a crash may carry other flags or another master.
    delete_link(name);
    make_persistent_tap(name, doing);

    try {
        auto tap = find_link(sock.get(), name, doing);
        if (!tap) throw Error(Errc::Internal, doing + ": it vanished right after creation");
        auto changes = new_link(doing);
        rtnl_link_set_master(changes.get(), rtnl_link_get_ifindex(master.get()));
        rtnl_link_set_flags(changes.get(), IFF_UP);
        change_link(sock.get(), tap.get(), changes.get(), "attaching TAP device " + name + " to bridge " + bridge);
    } catch (...) {
        try {
            delete_link(name);
        } catch (...) {  // the original error says more than the cleanup's
        }
        throw;
    }
}

UniqueFd open_tap(const std::string& name) {
    const std::string doing = "opening TAP device " + name;
    if (!link_exists(name)) throw Error(Errc::Internal, doing + ": it does not exist");
    return bind_tap(name, doing);
}

}  // namespace minions::net
