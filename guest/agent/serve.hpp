#pragma once
// Request loops over one byte stream: a socket connection (ends when the host
// closes it) or the virtio-serial port (lives forever across host reconnects).
#include "context.hpp"

namespace minions::agent {

void serve_connection(int fd, Context& ctx);
void serve_serial(int fd, Context& ctx);

}  // namespace minions::agent
