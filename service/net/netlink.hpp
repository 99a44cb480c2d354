#pragma once
// Small RAII layer over libnl-route-3 shared by the files of this folder, and
// the one place that turns netlink and errno failures into Error sentences.
#include <memory>
#include <string>

struct nl_sock;
struct rtnl_link;

namespace minions::net::detail {

struct SocketFree {
    void operator()(nl_sock* sock) const;
};
struct LinkPut {
    void operator()(rtnl_link* link) const;
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;

// A connected NETLINK_ROUTE socket; `doing` names the caller's step in errors.
Socket connect_route(const std::string& doing);

// The link as the kernel has it now, or nullptr when no link has that name.
Link find_link(nl_sock* sock, const std::string& name, const std::string& doing);

// An empty link object to describe changes with.
Link new_link(const std::string& doing);

// Applies `changes` to `current` (flags, name, master...).
void change_link(nl_sock* sock, rtnl_link* current, rtnl_link* changes, const std::string& doing);

// "<doing>: <libnl's description>", plus a hint when the kernel said EPERM.
[[noreturn]] void throw_netlink(const std::string& doing, int nl_error);
[[noreturn]] void throw_errno(const std::string& doing, int errno_value);

}  // namespace minions::net::detail
