#pragma once
// Where the agent listens: a Unix socket (host test mode), AF_VSOCK and the
// virtio-serial port (in a guest).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "context.hpp"

namespace minions::agent {

// Listening socket bound to `path` (an old socket file is replaced); throws.
int listen_unix(const std::filesystem::path& path);
// Listening AF_VSOCK socket on VMADDR_CID_ANY:port, or -1 with errno set.
int listen_vsock(uint32_t port);
// /dev/vportNpM whose sysfs name is `name`, if the port exists yet.
std::optional<std::filesystem::path> find_serial_port(const std::string& name);

// Accepts forever, one thread per connection, at most kMaxConnections at once
// (further hosts wait in the listen backlog).
inline constexpr int kMaxConnections = 16;
void accept_forever(int listen_fd, Context& ctx);

}  // namespace minions::agent
