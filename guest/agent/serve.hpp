#pragma once
// Request loops over one byte stream: a socket connection (ends when the host
// closes it, cancelling what it still runs) or the virtio-serial port (lives
// forever across host reconnects, resynchronising past half frames). Requests
// run concurrently; answers carry their request's id, in no promised order.
#include "context.hpp"

namespace minions::agent {

void serve_connection(int fd, Context& ctx);
void serve_serial(int fd, Context& ctx);

}  // namespace minions::agent
