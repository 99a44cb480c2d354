#pragma once
// What the host configured in this guest, its network and its hostname, is
// kept on the guest's own disk (below the root: the guest's /, or the sandbox
// in host test mode) and applied again each time the agent starts. So a guest
// that reboots by itself (`reboot` inside it) comes back at its address.
#include <string>

#include <nlohmann/json.hpp>

#include "context.hpp"

namespace minions::agent {

// The "applied" object of configure_network, plus the interface's "mac".
inline constexpr const char* kSavedNetwork = "/etc/minions/network.json";
// One line, as the guest's rcS reads it at boot.
inline constexpr const char* kSavedHostname = "/etc/hostname";

// Apply (or, in host test mode, record) without saving; throw RequestError.
// apply_network takes configure_network's fields and returns what it applied.
nlohmann::json apply_network(const nlohmann::json& settings, Context& ctx);
void apply_hostname(const std::string& name, Context& ctx);
// The MAC address of `interface` as sysfs prints it, "" when unknown.
std::string interface_mac(const std::string& interface);

// At start-up, before serving: re-applies what was saved. Failures are
// logged, never fatal: the host configures a guest it cannot reach anyway.
void restore_saved_config(Context& ctx);

}  // namespace minions::agent
