#pragma once
// Writing a file below the context's root (the guest's /, or the sandbox in
// host test mode, never escaping it): parents created, then an atomic,
// flushed replace (temp + fsync + rename + fsync of the directory) or an append.
#include <string>

#include "context.hpp"

namespace minions::agent {

// Throws RequestError.
void write_under_root(const Context& ctx, const std::string& path, const std::string& data, unsigned mode,
                      bool append);

}  // namespace minions::agent
