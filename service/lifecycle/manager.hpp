#pragma once
// The VM lifecycle: every operation of the spec with its rules, knowing
// nothing of D-Bus or HTTP. Each operation comes in two calls, made in this
// order by a front end:
//   check_<op>  the request's rules against the VM as it is now: no lock, no
//               side effect; returns whom polkit is asked about;
//   (the front end asks polkit, asynchronously, holding nothing)
//   <op>        takes the VM's lock, checks the same rules again (the VM may
//               have changed while polkit was asked), acts (registering an
//               undo for every resource it creates), tells the observer.
// So nobody is asked for a password for a request that would fail, and a
// request waiting for a password holds no lock.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent_client.hpp"
#include "core/config.hpp"
#include "core/store.hpp"
#include "hypervisor/exit_watcher.hpp"
#include "hypervisor/hypervisor.hpp"
#include "observer.hpp"
#include "rollback.hpp"
#include "vm_locks.hpp"

namespace minions::lifecycle {

// Whom polkit is asked about: the VM's name and id (id "" before it exists).
struct Target {
    std::string name;
    std::string id;
};

struct CreateRequest {
    std::string name;
    uint32_t cpus = 0;       // 0: configured default
    uint32_t memory_mb = 0;  // 0: configured default
    std::string ssh_key;     // "" for none
};

struct StopRequest {
    bool force = false;
    // How long the guest has to power off; nullopt: the configured default.
    // With force, 0 kills at once; without, 0 means the default.
    std::optional<std::chrono::seconds> timeout;
};

class Manager {
public:
    Manager(Config config, Store& store, hv::Hypervisor& hypervisor);
    ~Manager();

    // Front ends that mirror VMs (the D-Bus objects) register here; until
    // then changes are not reported. nullptr detaches (at shutdown).
    void set_observer(Observer* observer);

    // Start-up: re-adopt live VMMs, mark dead ones, roll back interrupted
    // creates and starts, finish interrupted stops, thaw or resume sources a
    // crashed copy left frozen or paused, remove orphan TAPs, sockets and
    // directories.
    void reconcile();
    // Supervision, run on a thread of its own until `stopping`: a VMM that
    // dies puts its VM in `error` as soon as its exit is seen (pidfd), with a
    // periodic sweep behind it.
    void supervise(const std::atomic<bool>& stopping);
    // One sweep: marks running VMs whose VMM died as `error`.
    void check_liveness();
    // Rotates every console log over console_log_max_mb (console_log.hpp).
    void cap_console_logs();

    std::vector<Vm> list();

    Target check_create(const CreateRequest& request);
    Vm create(const CreateRequest& request);
    Target check_start(const std::string& id);
    Vm start(const std::string& id);
    Target check_stop(const std::string& id, bool force);
    Vm stop(const std::string& id, const StopRequest& request);
    Target check_restart(const std::string& id);
    Vm restart(const std::string& id);
    Target check_rename(const std::string& id, const std::string& new_name);
    Vm rename(const std::string& id, const std::string& new_name);
    Target check_copy(const std::string& id, const std::string& new_name, const std::string& ssh_key);
    Vm copy(const std::string& id, const std::string& new_name, const std::string& ssh_key);
    Target check_destroy(const std::string& id);
    void destroy(const std::string& id);
    // A timeout of 0 is the configured default; over 24 h is InvalidArgument.
    Target check_exec(const std::string& id, const std::string& command, std::chrono::seconds timeout);
    agent::ExecResult exec(const std::string& id, const std::string& command, const std::vector<std::string>& args,
                           std::chrono::seconds timeout);
    Target check_agent_status(const std::string& id);
    nlohmann::json agent_status(const std::string& id);
    Target check_logs(const std::string& id, std::size_t max_bytes);
    std::string logs(const std::string& id, std::size_t max_bytes);

    std::string_view hypervisor_kind() const { return hypervisor_.kind(); }

private:
    Vm require(const std::string& id);
    // require(), refusing a VM another operation is working on (Busy).
    Vm require_idle(const std::string& id);
    // The rules of each operation, shared by check_<op> and <op>.
    void require_new_name_free(const std::string& name);
    void check_create_rules(const CreateRequest& request, uint32_t& cpus, uint32_t& memory, std::string& key);
    void check_start_rules(const Vm& vm);
    void check_stop_rules(const Vm& vm, bool force);
    void check_restart_rules(const Vm& vm);
    std::string check_rename_rules(const Vm& vm, const std::string& new_name);
    std::string check_copy_rules(const Vm& source, const std::string& new_name);
    void check_exec_rules(const Vm& vm, const std::string& command, std::chrono::seconds timeout);
    void check_running(const Vm& vm, const char* to_do);

    VmLocks::Guard lock_for_stop(const Vm& vm, bool force);
    void ensure_guest_files() const;
    std::pair<Vm, VmLocks::Guard> add_vm(const NewVm& request, const std::string& op, Rollback& rollback);
    void set_status(Vm& vm, VmStatus status);
    void notify_changed(const Vm& vm);
    // `before_running` runs after the guest is prepared, before the VM is
    // recorded as running (create and copy wait there for the disk flush).
    void boot(Vm& vm, const std::string& ssh_key, Rollback& rollback, const std::string& op,
              const std::function<void()>& before_running = {});
    void prepare_guest(Vm& vm, const std::string& ssh_key);
    void release_resources(const Vm& vm);  // VMM, TAP and sockets of a VM that is going down
    void forget_process(Vm& vm);           // the record says: no VMM
    bool vmm_alive(const Vm& vm) const;
    bool wait_powered_off(const Vm& vm, std::chrono::seconds timeout);
    bool guest_powered_off(const Vm& vm);
    // Freezes (or pauses) a running source for as long as `copy` takes.
    void copy_consistently(const Vm& source, const std::function<void()>& copy);
    void undo_interrupted_freeze(const Vm& vm);
    agent::Client agent_for(const Vm& vm, std::chrono::milliseconds call_timeout = std::chrono::seconds(30)) const;
    std::string tap_of(const Vm& vm) const;

    // Supervision: the watcher reports exits here; supervise() handles them.
    void vmm_exited(const std::string& id);
    bool mark_dead(const std::string& id);  // false while the VM is busy

    Config config_;
    Store& store_;
    hv::Hypervisor& hypervisor_;
    std::atomic<Observer*> observer_;
    VmLocks locks_;

    std::mutex exited_mutex_;
    std::condition_variable exited_changed_;
    std::set<std::string> exited_;  // VM ids whose VMM exit is not handled yet
    std::unique_ptr<hv::ExitWatcher> watcher_;
};

}  // namespace minions::lifecycle
