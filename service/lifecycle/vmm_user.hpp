#pragma once
// Whom a VM's VMM runs as ([hypervisor] vmm_user, vmm_uid_base): one uid per
// VM, so that plain file permissions keep each VMM to its own VM's files.
#include <cstdint>
#include <optional>

#include "core/config.hpp"
#include "hypervisor/hypervisor.hpp"

namespace minions::lifecycle {

// Unset when vmm_user is empty. Throws Error{HypervisorFailed} when the
// user vmm_user names does not exist.
std::optional<hv::Credentials> vmm_credentials(const Config& config, uint32_t cid);

// With vmm_user set: vms_dir and run_dir become 0711, and state_dir, where it
// holds them, searchable by others too (mode |= 0011). Each VMM walks through
// them to its own VM's directory, which only it may open; it cannot list
// them. The directories above are the operator's business.
void let_vmms_through(const Config& config);

}  // namespace minions::lifecycle
