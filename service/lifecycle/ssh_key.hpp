#pragma once
#include <string>

namespace minions::lifecycle {

// Accepts one OpenSSH public key line ("ssh-ed25519 AAAA… comment") of a known
// type with base64 key data and no control characters; returns it trimmed.
// Throws Error{InvalidArgument} saying what is wrong.
std::string validate_ssh_key(const std::string& key);

}  // namespace minions::lifecycle
