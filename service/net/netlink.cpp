#include "net/netlink.hpp"

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace minions::net::detail {

namespace {
// Netlink changes need CAP_NET_ADMIN; say so instead of leaving users to guess.
std::string hint_for(bool permission_denied) {
    return permission_denied ? " (run as root)" : "";
}
}  // namespace

void SocketFree::operator()(nl_sock* sock) const { nl_socket_free(sock); }
void LinkPut::operator()(rtnl_link* link) const { rtnl_link_put(link); }

void throw_netlink(const std::string& doing, int nl_error) {
    const int code = nl_error < 0 ? -nl_error : nl_error;
    throw Error(Errc::Internal, doing + ": " + nl_geterror(code) + hint_for(code == NLE_PERM));
}

void throw_errno(const std::string& doing, int errno_value) {
    throw Error(Errc::Internal, doing + ": " + std::strerror(errno_value) +
                                    hint_for(errno_value == EPERM || errno_value == EACCES));
}

Socket connect_route(const std::string& doing) {
    Socket sock(nl_socket_alloc());
    if (!sock) throw Error(Errc::Internal, doing + ": out of memory allocating a netlink socket");
    if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) throw_netlink(doing, err);
    return sock;
}

Link find_link(nl_sock* sock, const std::string& name, const std::string& doing) {
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return nullptr;
    if (err < 0) throw_netlink(doing, err);
    return Link(raw);
}

Link new_link(const std::string& doing) {
    Link link(rtnl_link_alloc());
    if (!link) throw Error(Errc::Internal, doing + ": out of memory allocating a link object");
    return link;
}

void change_link(nl_sock* sock, rtnl_link* current, rtnl_link* changes, const std::string& doing) {
    if (int err = rtnl_link_change(sock, current, changes, 0); err < 0) throw_netlink(doing, err);
}

}  // namespace minions::net::detail
