#pragma once
// Which filesystems freeze/thaw act on: the root filesystem and every other
// writable mount backed by a block device (/dev/...). Pseudo filesystems
// (proc, tmpfs, ...) have nothing to flush and cannot be frozen.
#include <string>
#include <vector>

namespace minions::agent {

// Mount points from /proc/self/mountinfo, root first.
std::vector<std::string> freezable_mounts();

}  // namespace minions::agent
