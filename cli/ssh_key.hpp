#pragma once
// The invoking user's SSH public key, sent with create and cp so the VM
// accepts `minions ssh`.
#include <optional>
#include <string>

namespace minions::cli {

// From `file` when given (a missing or unreadable file is an
// InvalidArgument error), else the first of ~/.ssh/id_ed25519.pub,
// id_ecdsa.pub, id_rsa.pub that exists; "" when there is none.
std::string read_ssh_public_key(const std::optional<std::string>& file);

}  // namespace minions::cli
