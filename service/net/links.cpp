// Generic link operations: existence, listing, deletion and renaming.
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <net/if.h>

#include "core/error.hpp"
#include "net/net.hpp"
#include "net/netlink.hpp"

namespace minions::net {

using namespace detail;

bool link_exists(const std::string& name) {
    const std::string doing = "looking up link " + name;
    auto sock = connect_route(doing);
    return find_link(sock.get(), name, doing) != nullptr;
}

std::vector<std::string> links_with_prefix(const std::string& prefix) {
    const std::string doing = "listing links named " + prefix + "*";
    auto sock = connect_route(doing);
    nl_cache* cache = nullptr;
    if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &cache); err < 0) throw_netlink(doing, err);
    std::vector<std::string> names;
    for (nl_object* obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(obj));
        if (name && std::string_view(name).starts_with(prefix)) names.emplace_back(name);
    }
    nl_cache_free(cache);
    return names;
}

void delete_link(const std::string& name) {
    const std::string doing = "deleting link " + name;
    auto sock = connect_route(doing);
    auto link = find_link(sock.get(), name, doing);
    if (!link) return;
    int err = rtnl_link_delete(sock.get(), link.get());
    // Someone else removing it between the lookup and now is still "gone".
    if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV) throw_netlink(doing, err);
}

void rename_link(const std::string& from, const std::string& to) {
    const std::string doing = "renaming link " + from + " to " + to;
    if (to.empty() || to.size() >= IFNAMSIZ)
        throw Error(Errc::Internal, doing + ": the new name must have 1 to " + std::to_string(IFNAMSIZ - 1) +
                                        " characters");
    auto sock = connect_route(doing);
    auto link = find_link(sock.get(), from, doing);
    if (!link) throw Error(Errc::Internal, doing + ": no link named " + from);
    if (find_link(sock.get(), to, doing)) throw Error(Errc::Internal, doing + ": a link named " + to + " already exists");

    // The kernel refuses to rename a link that is up (EBUSY): take it down,
    // rename, then bring it back up if it was.
    const bool was_up = (rtnl_link_get_flags(link.get()) & IFF_UP) != 0;
    if (was_up) {
        auto down = new_link(doing);
        rtnl_link_unset_flags(down.get(), IFF_UP);
        change_link(sock.get(), link.get(), down.get(), doing + " (setting it down)");
    }
    auto renamed = new_link(doing);
    rtnl_link_set_name(renamed.get(), to.c_str());
    try {
        change_link(sock.get(), link.get(), renamed.get(), doing);
    } catch (...) {
        if (was_up) {  // leave it as we found it
            auto up = new_link(doing);
            rtnl_link_set_flags(up.get(), IFF_UP);
            rtnl_link_change(sock.get(), link.get(), up.get(), 0);
        }
        throw;
    }
    if (was_up) {
        auto current = find_link(sock.get(), to, doing);
        if (!current) throw Error(Errc::Internal, doing + ": the link vanished after the rename");
        auto up = new_link(doing);
        rtnl_link_set_flags(up.get(), IFF_UP);
        change_link(sock.get(), current.get(), up.get(), doing + " (setting it up again)");
    }
}

}  // namespace minions::net
