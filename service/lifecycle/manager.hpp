#pragma once
// The VM lifecycle: every operation of the spec with its rules, knowing
// nothing of D-Bus or HTTP. Each operation runs in the same order:
// look up and validate -> take the VM's lock -> authorize -> act (registering
// an undo for every resource it creates) -> tell the observer.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent_client.hpp"
#include "core/config.hpp"
#include "core/store.hpp"
#include "hypervisor/hypervisor.hpp"
#include "observer.hpp"
#include "rollback.hpp"
#include "vm_locks.hpp"

namespace minions::lifecycle {

// Asks whoever called whether they may act on the VM (name, id; id is empty
// before a VM exists). Throws Error{AccessDenied}. Called after validation so
// nobody is asked for a password for a request that would fail anyway.
using Authorize = std::function<void(const std::string& name, const std::string& id)>;

struct CreateRequest {
    std::string name;
    uint32_t cpus = 0;       // 0: configured default
    uint32_t memory_mb = 0;  // 0: configured default
    std::string ssh_key;     // "" for none
};

class Manager {
public:
    Manager(Config config, Store& store, hv::Hypervisor& hypervisor);

    // Front ends that mirror VMs (the D-Bus objects) register here; until
    // then changes are not reported. Set before any operation runs.
    void set_observer(Observer* observer);

    // Start-up: re-adopt live VMMs, mark dead ones, roll back interrupted
    // creates and starts, remove orphan TAPs, sockets and directories.
    void reconcile();
    // Marks running VMs whose VMM died as `error`; called periodically.
    void check_liveness();

    std::vector<Vm> list();

    Vm create(const CreateRequest& request, const Authorize& authorize);
    Vm start(const std::string& id, const Authorize& authorize);
    Vm stop(const std::string& id, bool force, std::chrono::seconds timeout, const Authorize& authorize);
    Vm restart(const std::string& id, const Authorize& authorize);
    Vm rename(const std::string& id, const std::string& new_name, const Authorize& authorize);
    Vm copy(const std::string& id, const std::string& new_name, const std::string& ssh_key,
            const Authorize& authorize);
    void destroy(const std::string& id, const Authorize& authorize);
    agent::ExecResult exec(const std::string& id, const std::string& command, const std::vector<std::string>& args,
                           std::chrono::seconds timeout, const Authorize& authorize);
    nlohmann::json agent_status(const std::string& id, const Authorize& authorize);
    std::string logs(const std::string& id, std::size_t max_bytes, const Authorize& authorize);

    std::string_view hypervisor_kind() const { return hypervisor_.kind(); }

private:
    Vm require(const std::string& id);
    VmLocks::Guard lock_for_stop(const Vm& vm, bool force, const Authorize& authorize);
    void ensure_guest_files() const;
    std::pair<Vm, VmLocks::Guard> add_vm(const NewVm& request, const std::string& op, Rollback& rollback);
    void set_status(Vm& vm, VmStatus status);
    // `before_running` runs after the guest is prepared, before the VM is
    // recorded as running (create and copy wait there for the disk flush).
    void boot(Vm& vm, const std::string& ssh_key, Rollback& rollback, const std::string& op,
              const std::function<void()>& before_running = {});
    void prepare_guest(Vm& vm, const std::string& ssh_key);
    void release_resources(const Vm& vm);  // VMM, TAP and sockets of a VM that is going down
    bool vmm_alive(const Vm& vm) const;
    bool wait_powered_off(const Vm& vm, std::chrono::seconds timeout);
    agent::Client agent_for(const Vm& vm, std::chrono::milliseconds call_timeout = std::chrono::seconds(30)) const;
    std::string tap_of(const Vm& vm) const;

    Config config_;
    Store& store_;
    hv::Hypervisor& hypervisor_;
    Observer* observer_;
    VmLocks locks_;
};

}  // namespace minions::lifecycle
