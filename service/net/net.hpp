#pragma once
// Host networking for VMs through netlink (libnl-route-3) and /dev/net/tun,
// never by parsing `ip`. Errors throw Error{Internal} saying what was refused
// (for example "creating bridge br0: Operation not permitted (are you root?)").
#include <string>
#include <vector>

#include "core/subnet.hpp"
#include "core/unique_fd.hpp"

namespace minions::net {

// Moves the calling process (call before any thread starts) into the named
// network namespace, creating /run/netns/<name> when missing, like `ip netns add`.
void enter_netns(const std::string& name);

// Creates the bridge when missing, gives it the subnet's gateway address and
// brings it up. Safe to call again.
void ensure_bridge(const std::string& bridge, const Subnet& subnet);

// A persistent TAP device attached to `bridge` and up. Replaces a stale one of the same name.
void create_tap(const std::string& name, const std::string& bridge);
// A queue of the existing TAP `name`, for a VMM that may not open
// /dev/net/tun itself (it runs unprivileged and gets this descriptor).
UniqueFd open_tap(const std::string& name);
void delete_link(const std::string& name);  // no error if it is already gone
void rename_link(const std::string& from, const std::string& to);
bool link_exists(const std::string& name);
std::vector<std::string> links_with_prefix(const std::string& prefix);

}  // namespace minions::net
