#include "manager.hpp"

#include <fstream>
#include <thread>

#include "core/error.hpp"
#include "core/names.hpp"
#include "agent_status.hpp"
#include "console_log.hpp"
#include "fault.hpp"
#include "hypervisor/process.hpp"
#include "log.hpp"
#include "net/net.hpp"
#include "ssh_key.hpp"
#include "storage/disk_flush.hpp"
#include "storage/rootfs_copy.hpp"
#include "vm_paths.hpp"
#include "vmm_user.hpp"

namespace minions::lifecycle {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string in_quotes(const std::string& name) { return "'" + name + "'"; }

void remove_tree(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) log_warning("removing " + path.string() + ": " + ec.message());
}

class NullObserver final : public Observer {
public:
    void vm_added(const Vm&) override {}
    void vm_changed(const Vm&) override {}
    void vm_removed(const std::string&) override {}
};
NullObserver null_observer;

// A copy's freeze is renewed this often and lapses (the agent thaws on its
// own) this long after the last renewal, so a crashed daemon never leaves a
// guest frozen for longer.
constexpr auto kFreezeRenewal = 5s;
constexpr auto kFreezeLease = 30s;

}  // namespace

Manager::Manager(Config config, Store& store, hv::Hypervisor& hypervisor)
    : config_(std::move(config)),
      store_(store),
      hypervisor_(hypervisor),
      observer_(&null_observer),
      watcher_(std::make_unique<hv::ExitWatcher>(
          [this](const std::string& id, const hv::Process&) { vmm_exited(id); })) {}

Manager::~Manager() = default;

void Manager::set_observer(Observer* observer) { observer_ = observer ? observer : &null_observer; }

std::vector<Vm> Manager::list() { return store_.list(); }

Vm Manager::require(const std::string& id) {
    auto vm = store_.find_by_id(id);
    if (!vm) throw Error(Errc::NotFound, "VM no longer exists (id " + id + ")");
    return *vm;
}

Vm Manager::require_idle(const std::string& id) {
    Vm vm = require(id);
    locks_.refuse_if_busy(vm.id, vm.name);
    return vm;
}

std::string Manager::tap_of(const Vm& vm) const { return tap_name(vm.name); }

void Manager::ensure_guest_files() const {
    for (const fs::path& file : {config_.kernel_dir / "vmlinuz", config_.kernel_dir / "initrd.img", base_image(config_)})
        if (!fs::exists(file))
            throw Error(Errc::Internal, "Guest file missing: " + file.string() +
                                            "; build the guest image with guest/build-image.sh");
}

void Manager::notify_changed(const Vm& vm) { observer_.load()->vm_changed(vm); }

void Manager::set_status(Vm& vm, VmStatus status) {
    store_.set_status(vm.id, status);
    vm.status = status;
    notify_changed(vm);
}

bool Manager::vmm_alive(const Vm& vm) const {
    return vm.pid > 0 && hv::process_alive({static_cast<pid_t>(vm.pid), vm.pid_start_time});
}

agent::Client Manager::agent_for(const Vm& vm, std::chrono::milliseconds call_timeout) const {
    return agent::Client(hypervisor_.agent_endpoint(launch_spec(config_, vm)), call_timeout);
}

// ---- rules, shared by check_<op> (before polkit) and <op> (under the lock)

void Manager::require_new_name_free(const std::string& name) {
    if (store_.find_by_name(name)) throw Error(Errc::AlreadyExists, "A VM named " + in_quotes(name) + " already exists");
}

void Manager::check_running(const Vm& vm, const char* to_do) {
    if (vm.status != VmStatus::Running)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be running to " + to_do + " (status: " +
                                            std::string(to_string(vm.status)) + ")");
}

void Manager::check_create_rules(const CreateRequest& request, uint32_t& cpus, uint32_t& memory, std::string& key) {
    validate_name(request.name);
    cpus = request.cpus ? request.cpus : config_.default_cpus;
    memory = request.memory_mb ? request.memory_mb : config_.default_memory_mb;
    if (cpus > config_.max_cpus)
        throw Error(Errc::InvalidArgument, "cpus must be between 1 and " + std::to_string(config_.max_cpus));
    if (memory < 128 || memory > config_.max_memory_mb)
        throw Error(Errc::InvalidArgument,
                    "memory_mb must be between 128 and " + std::to_string(config_.max_memory_mb));
    key = request.ssh_key.empty() ? "" : validate_ssh_key(request.ssh_key);
    require_new_name_free(request.name);
    ensure_guest_files();
}

void Manager::check_start_rules(const Vm& vm) {
    if (vm.status == VmStatus::Running && vmm_alive(vm))
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " is already running");
    if (vm.status != VmStatus::Stopped && vm.status != VmStatus::Error)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " cannot be started while " +
                                            std::string(to_string(vm.status)));
    ensure_guest_files();
}

void Manager::check_stop_rules(const Vm& vm, bool force) {
    if (vm.status == VmStatus::Stopped)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " is already stopped");
    // A forced stop may end whatever the VM is going through (a hung operation).
    if (!force && vm.status != VmStatus::Running && vm.status != VmStatus::Error)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " cannot be stopped while " +
                                            std::string(to_string(vm.status)));
}

void Manager::check_restart_rules(const Vm& vm) {
    if (vm.status != VmStatus::Running)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be running to restart (status: " +
                                            std::string(to_string(vm.status)) + "); start it with: minions start " +
                                            vm.name);
}

std::string Manager::check_rename_rules(const Vm& vm, const std::string& new_name) {
    validate_name(new_name);
    if (new_name == vm.name) throw Error(Errc::InvalidArgument, "VM " + in_quotes(vm.name) + " already has that name");
    if (vm.status != VmStatus::Stopped)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be stopped before renaming (status: " +
                                            std::string(to_string(vm.status)) + "); stop it with: minions stop " +
                                            vm.name);
    require_new_name_free(new_name);
    return new_name;
}

std::string Manager::check_copy_rules(const Vm& source, const std::string& new_name) {
    std::string name = new_name.empty() ? copy_name_for(source.name) : new_name;
    validate_name(name);
    if (source.status != VmStatus::Running && source.status != VmStatus::Stopped)
        throw Error(Errc::InvalidState, "VM " + in_quotes(source.name) +
                                            " can only be copied when running or stopped (status: " +
                                            std::string(to_string(source.status)) + ")");
    require_new_name_free(name);
    ensure_guest_files();
    return name;
}

// ---- booting and tearing down

// Brings up the TAP and the VMM, then waits for the guest agent and gives the
// guest its address, hostname and SSH key. Every resource gets its undo first.
void Manager::boot(Vm& vm, const std::string& ssh_key, Rollback& rollback, const std::string& op,
                   const std::function<void()>& before_running) {
    // A new VM stays `creating` until it runs, so a crash at any step of a
    // create or copy is rolled back whole by reconcile(); only an existing VM
    // goes through `starting`.
    if (vm.status != VmStatus::Creating) set_status(vm, VmStatus::Starting);
    fault_point(op + ":before-tap");
    const std::string tap = tap_of(vm);
    net::create_tap(tap, config_.bridge);
    rollback.add("delete " + tap, [tap] { net::delete_link(tap); });
    fault_point(op + ":after-tap");

    hv::LaunchSpec spec = launch_spec(config_, vm);
    spec.as = vmm_credentials(config_, vm.cid);
    fs::create_directories(spec.socket_dir);
    rollback.add("remove " + spec.socket_dir.string(), [dir = spec.socket_dir] { remove_tree(dir); });
    hypervisor_.launch(spec, [&](const hv::Process& process) {
        // Recorded before anything waits on the VMM: a crash from here on
        // leaves a VMM that reconcile() knows about and stops.
        rollback.add("stop the VMM of " + vm.name, [this, spec, process, id = vm.id] {
            watcher_->unwatch(id);
            hypervisor_.kill(spec, process);
        });
        vm.pid = process.pid;
        vm.pid_start_time = process.start_time;
        store_.set_process(vm.id, vm.pid, vm.pid_start_time);
        watcher_->watch(vm.id, process);
        fault_point(op + ":after-spawn");
    });
    notify_changed(vm);
    fault_point(op + ":after-launch");

    prepare_guest(vm, ssh_key);
    fault_point(op + ":after-guest");
    if (before_running) before_running();
    fault_point(op + ":before-running");
    store_.set_running(vm.id, vm.pid, vm.pid_start_time);
    vm.status = VmStatus::Running;
    notify_changed(vm);
}

void Manager::prepare_guest(Vm& vm, const std::string& ssh_key) {
    agent::Client agent = agent_for(vm);
    // A VMM that died will never bring its agent up: stop waiting at once.
    agent.wait_ready(std::chrono::duration_cast<std::chrono::milliseconds>(config_.agent_ready_timeout),
                     [this, &vm] { return vmm_alive(vm); });
    agent::GuestNetwork net;
    net.address = vm.ip;
    net.prefix = config_.subnet.prefix;
    net.gateway = config_.subnet.gateway_string();
    if (!config_.dns.empty()) net.dns.push_back(config_.dns);
    agent.configure_network(net);
    agent.set_hostname(vm.name);
    if (!ssh_key.empty()) agent.write_file("/root/.ssh/authorized_keys", ssh_key + "\n", 0600);
}

// Ends the VMM if it still runs and removes what only a running VM has.
void Manager::release_resources(const Vm& vm) {
    watcher_->unwatch(vm.id);
    hv::LaunchSpec spec = launch_spec(config_, vm);
    if (vmm_alive(vm)) hypervisor_.kill(spec, {static_cast<pid_t>(vm.pid), vm.pid_start_time});
    net::delete_link(tap_of(vm));
    remove_tree(spec.socket_dir);
}

void Manager::forget_process(Vm& vm) {
    store_.set_process(vm.id, 0, 0);
    vm.pid = 0;
    vm.pid_start_time = 0;
}

// The record (status `creating`) and the directory of a VM that create or
// copy is making, each with its undo; the new VM is held until the end.
std::pair<Vm, VmLocks::Guard> Manager::add_vm(const NewVm& request, const std::string& op, Rollback& rollback) {
    Vm vm = store_.create(request, config_.subnet);
    auto lock = locks_.acquire(vm.id, vm.name, op);
    rollback.add("remove the record of " + vm.name, [this, id = vm.id] {
        store_.remove(id);
        observer_.load()->vm_removed(id);
    });
    observer_.load()->vm_added(vm);

    fs::path dir = paths_for(config_, vm.id).dir;
    fs::create_directories(dir);
    rollback.add("remove " + dir.string(), [dir] { remove_tree(dir); });
    return {std::move(vm), std::move(lock)};
}

// ---- operations

Target Manager::check_create(const CreateRequest& request) {
    uint32_t cpus, memory;
    std::string key;
    check_create_rules(request, cpus, memory, key);
    return {request.name, ""};
}

Vm Manager::create(const CreateRequest& request) {
    uint32_t cpus, memory;
    std::string key;
    check_create_rules(request, cpus, memory, key);

    Rollback rollback;
    // The store's unique name is the lock of a VM that does not exist yet:
    // of two creates of one name, the second gets AlreadyExists here.
    auto [vm, lock] = add_vm({request.name, cpus, memory, std::string(hypervisor_.kind())}, "create", rollback);
    fault_point("create:after-record");
    VmPaths paths = paths_for(config_, vm.id);
    storage::copy_rootfs(base_image(config_), paths.rootfs);
    fault_point("create:after-copy");

    // Destroyed before `rollback` runs: a failed boot waits for the flush
    // before the rollback deletes the file.
    storage::DiskFlush flushed(paths.rootfs);
    boot(vm, key, rollback, "create", [&] {
        fault_point("create:during-flush");
        flushed.wait();
    });
    rollback.commit();
    log_info("created VM " + vm.name + " (" + vm.ip + ")");
    return vm;
}

Target Manager::check_start(const std::string& id) {
    Vm vm = require_idle(id);
    check_start_rules(vm);
    return {vm.name, vm.id};
}

Vm Manager::start(const std::string& id) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "start");
    vm = require(id);
    check_start_rules(vm);

    release_resources(vm);  // an `error` VM may have left a VMM or TAP behind
    Rollback rollback;
    rollback.add("mark " + vm.name + " stopped", [this, id = vm.id] {
        Vm v = require(id);
        forget_process(v);
        set_status(v, VmStatus::Stopped);
    });
    boot(vm, "", rollback, "start");
    rollback.commit();
    log_info("started VM " + vm.name);
    return vm;
}

bool Manager::wait_powered_off(const Vm& vm, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        // A VMM that fails to answer may be exiting; the next round sees it gone.
        if (!vmm_alive(vm) || guest_powered_off(vm)) return true;
        std::this_thread::sleep_for(200ms);
    }
    return !vmm_alive(vm);
}

// A forced stop also cancels a hung operation on the VM: it kills the VMM,
// which makes that operation fail at once, then takes the VM over.
VmLocks::Guard Manager::lock_for_stop(const Vm& vm, bool force) {
    if (!force || !locks_.busy(vm.id)) return locks_.acquire(vm.id, vm.name, "stop");
    if (vmm_alive(vm)) {
        log_warning("forced stop of " + vm.name + " while busy: killing its VMM");
        hv::kill_hard({static_cast<pid_t>(vm.pid), vm.pid_start_time});
    }
    return locks_.acquire_within(vm.id, vm.name, "stop", 30s);
}

Target Manager::check_stop(const std::string& id, bool force) {
    Vm vm = force ? require(id) : require_idle(id);
    check_stop_rules(vm, force);
    return {vm.name, vm.id};
}

Vm Manager::stop(const std::string& id, const StopRequest& request) {
    Vm vm = require(id);
    auto lock = lock_for_stop(vm, request.force);
    vm = require(id);
    check_stop_rules(vm, request.force);

    std::chrono::seconds timeout = request.timeout.value_or(config_.stop_timeout);
    if (timeout.count() == 0 && !request.force) timeout = config_.stop_timeout;
    if (vm.status == VmStatus::Running && vmm_alive(vm) && timeout.count() > 0) {
        set_status(vm, VmStatus::Stopping);
        fault_point("stop:after-stopping");
        auto sync_guest = [&] {
            try {
                agent_for(vm, 5s).sync();
            } catch (const Error& e) {
                log_warning("stop " + vm.name + ": flushing guest filesystems failed: " + e.what());
            }
        };
        sync_guest();
        try {
            hypervisor_.power_button(launch_spec(config_, vm));
        } catch (const Error& e) {
            log_warning("stop " + vm.name + ": power button failed: " + e.what());
        }
        fault_point("stop:after-power-button");
        if (!wait_powered_off(vm, timeout)) {
            if (!request.force) {
                set_status(vm, VmStatus::Running);
                throw Error(Errc::Timeout, "VM " + in_quotes(vm.name) + " did not power off within " +
                                               std::to_string(timeout.count()) +
                                               " s; force it with: minions stop --force " + vm.name);
            }
            // What the guest wrote since the first flush must survive the kill.
            sync_guest();
            log_warning("stop " + vm.name + ": no power-off within " + std::to_string(timeout.count()) +
                        " s; killing its VMM");
        }
    }
    fault_point("stop:before-release");
    release_resources(vm);
    forget_process(vm);
    set_status(vm, VmStatus::Stopped);
    log_info("stopped VM " + vm.name);
    return vm;
}

Target Manager::check_restart(const std::string& id) {
    Vm vm = require_idle(id);
    check_restart_rules(vm);
    return {vm.name, vm.id};
}

Vm Manager::restart(const std::string& id) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "restart");
    vm = require(id);
    check_restart_rules(vm);
    // Whatever fails from here, the VM is shown as what its VMM is.
    auto settle = [this, &vm] {
        if (vmm_alive(vm)) return set_status(vm, VmStatus::Running);
        log_warning("restart " + vm.name + ": the hypervisor is gone; marking it error");
        release_resources(vm);
        forget_process(vm);
        set_status(vm, VmStatus::Error);
    };
    if (!vmm_alive(vm)) {
        settle();
        throw Error(Errc::HypervisorFailed, "The hypervisor of VM " + in_quotes(vm.name) + " is gone");
    }

    set_status(vm, VmStatus::Restarting);
    fault_point("restart:after-restarting");
    try {
        agent_for(vm, 10s).sync();
    } catch (const Error& e) {
        log_warning("restart " + vm.name + ": flushing guest filesystems failed: " + e.what());
    }
    fault_point("restart:before-reboot");
    try {
        hypervisor_.reboot(launch_spec(config_, vm));
        fault_point("restart:after-reboot");
        prepare_guest(vm, "");
    } catch (const Error&) {
        settle();
        throw;
    }
    set_status(vm, VmStatus::Running);
    log_info("restarted VM " + vm.name);
    return vm;
}

Target Manager::check_rename(const std::string& id, const std::string& new_name) {
    Vm vm = require_idle(id);
    check_rename_rules(vm, new_name);
    return {vm.name, vm.id};
}

Vm Manager::rename(const std::string& id, const std::string& new_name) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "rename");
    vm = require(id);
    check_rename_rules(vm, new_name);

    // Files and sockets are keyed by id and a stopped VM has no TAP, so the
    // rename is this one row update: it happens entirely or not at all.
    fault_point("rename:before-commit");
    store_.rename(vm.id, new_name);
    fault_point("rename:after-commit");
    std::string old_name = vm.name;
    vm.name = new_name;
    notify_changed(vm);
    log_info("renamed VM " + old_name + " to " + new_name);
    return vm;
}

Target Manager::check_copy(const std::string& id, const std::string& new_name, const std::string& ssh_key) {
    Vm source = require_idle(id);
    check_copy_rules(source, new_name);
    if (!ssh_key.empty()) validate_ssh_key(ssh_key);
    return {source.name, source.id};
}

// The mark left in the source's socket directory while it is frozen or paused
// for a copy: reconcile() undoes what a crash left (the directory is on
// tmpfs, so a host reboot, which unfreezes everything, removes it too).
static fs::path freeze_mark(const Config& config, const Vm& vm) {
    return paths_for(config, vm.id).socket_dir / "held-for-copy";
}

void Manager::copy_consistently(const Vm& source, const std::function<void()>& copy) {
    if (source.status != VmStatus::Running || !vmm_alive(source)) return copy();
    const fs::path mark = freeze_mark(config_, source);
    std::ofstream(mark) << "frozen\n";
    Rollback release;
    release.add("remove " + mark.string(), [mark] {
        std::error_code ec;
        fs::remove(mark, ec);
    });
    agent::Client agent = agent_for(source, 10s);
    const nlohmann::json freeze = {{"op", "freeze"}, {"auto_thaw_ms", std::chrono::milliseconds(kFreezeLease).count()}};
    bool frozen = false;
    try {
        agent.call(freeze);
        frozen = true;
        release.add("thaw " + source.name, [this, source] { agent_for(source, 10s).thaw(); });
    } catch (const Error& e) {
        // No agent to freeze with: pausing the vCPUs is just as consistent.
        log_warning("copy: freezing " + source.name + " failed (" + e.what() + "); pausing it instead");
        std::ofstream(mark) << "paused\n";
        hv::LaunchSpec spec = launch_spec(config_, source);
        hypervisor_.pause(spec);
        release.add("resume " + source.name, [this, spec] { hypervisor_.resume(spec); });
    }
    fault_point("copy:while-held");

    // The freeze is a lease the agent ends by itself: renew it while the copy
    // runs, and if a renewal fails the copy may have seen a live filesystem.
    std::mutex renewal_mutex;
    std::condition_variable copied;
    bool done = false;
    std::string lapsed;
    std::thread renewer;
    if (frozen)
        renewer = std::thread([&] {
            std::unique_lock held(renewal_mutex);
            while (!copied.wait_for(held, kFreezeRenewal, [&] { return done; })) {
                held.unlock();
                std::string failure;
                try {
                    agent.call(freeze);
                } catch (const Error& e) {
                    failure = e.what();
                }
                held.lock();
                if (!failure.empty()) {
                    lapsed = failure;
                    return;
                }
            }
        });
    auto stop_renewing = [&] {
        if (!renewer.joinable()) return;
        {
            std::lock_guard held(renewal_mutex);
            done = true;
        }
        copied.notify_all();
        renewer.join();
    };
    try {
        copy();
    } catch (...) {
        stop_renewing();
        throw;
    }
    stop_renewing();
    if (!lapsed.empty())
        throw Error(Errc::AgentFailed, "could not keep " + in_quotes(source.name) +
                                           " frozen for the whole copy, so the copy may be inconsistent: " + lapsed);
}

void Manager::undo_interrupted_freeze(const Vm& vm) {
    const fs::path mark = freeze_mark(config_, vm);
    std::ifstream in(mark);
    std::string held;
    if (!(in >> held)) return;
    log_warning("reconcile: " + vm.name + " was left " + held + " by an interrupted copy; releasing it");
    try {
        if (held == "paused") hypervisor_.resume(launch_spec(config_, vm));
        else agent_for(vm, 10s).thaw();
    } catch (const Error& e) {
        log_warning("reconcile: releasing " + vm.name + " failed: " + e.what());
    }
    std::error_code ec;
    fs::remove(mark, ec);
}

Vm Manager::copy(const std::string& id, const std::string& new_name, const std::string& ssh_key) {
    Vm source = require(id);
    std::string key = ssh_key.empty() ? "" : validate_ssh_key(ssh_key);
    auto source_lock = locks_.acquire(source.id, source.name, "copy");
    source = require(id);
    std::string name = check_copy_rules(source, new_name);

    Rollback rollback;
    auto [vm, lock] = add_vm({name, source.cpus, source.memory_mb, std::string(hypervisor_.kind())}, "copy", rollback);
    fault_point("copy:after-record");
    VmPaths paths = paths_for(config_, vm.id);
    copy_consistently(source, [&] {
        storage::copy_rootfs(paths_for(config_, source.id).rootfs, paths.rootfs, storage::SourceLink::Refuse);
    });
    fault_point("copy:after-copy");

    storage::DiskFlush flushed(paths.rootfs);
    boot(vm, key, rollback, "copy", [&] {
        fault_point("copy:during-flush");
        flushed.wait();
    });
    rollback.commit();
    log_info("copied VM " + source.name + " to " + vm.name + " (" + vm.ip + ")");
    return vm;
}

Target Manager::check_destroy(const std::string& id) {
    Vm vm = require_idle(id);
    return {vm.name, vm.id};
}

void Manager::destroy(const std::string& id) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "destroy");
    vm = require(id);

    release_resources(vm);
    fault_point("destroy:before-commit");
    store_.remove(vm.id);
    observer_.load()->vm_removed(vm.id);
    fault_point("destroy:after-commit");
    remove_tree(paths_for(config_, vm.id).dir);
    log_info("destroyed VM " + vm.name);
}

void Manager::check_exec_rules(const Vm& vm, const std::string& command, std::chrono::seconds timeout) {
    if (command.empty()) throw Error(Errc::InvalidArgument, "exec needs a command");
    if (timeout > kMaxExecTimeout)
        throw Error(Errc::InvalidArgument, "an exec timeout is at most " + std::to_string(kMaxExecTimeout.count()) +
                                               " s (24 h), not " + std::to_string(timeout.count()));
    check_running(vm, "exec");
}

Target Manager::check_exec(const std::string& id, const std::string& command, std::chrono::seconds timeout) {
    Vm vm = require(id);
    check_exec_rules(vm, command, timeout);
    return {vm.name, vm.id};
}

agent::ExecResult Manager::exec(const std::string& id, const std::string& command, const std::vector<std::string>& args,
                                std::chrono::seconds timeout) {
    Vm vm = require(id);
    check_exec_rules(vm, command, timeout);
    if (timeout.count() == 0) timeout = config_.exec_timeout;
    auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    return agent_for(vm, limit + 10s).exec(command, args, limit);
}

Target Manager::check_agent_status(const std::string& id) {
    Vm vm = require(id);
    check_running(vm, "ask its agent");
    return {vm.name, vm.id};
}

nlohmann::json Manager::agent_status(const std::string& id) {
    Vm vm = require(id);
    check_running(vm, "ask its agent");
    return documented_status(agent_for(vm, 10s).status());
}

namespace {

void check_log_bytes(std::size_t max_bytes) {
    if (max_bytes > kMaxLogBytes)
        throw Error(Errc::InvalidArgument, "max_bytes is at most " + std::to_string(kMaxLogBytes) + " (" +
                                               std::to_string(kMaxLogBytes >> 20) + " MiB), not " +
                                               std::to_string(max_bytes));
}

}  // namespace

Target Manager::check_logs(const std::string& id, std::size_t max_bytes) {
    check_log_bytes(max_bytes);
    Vm vm = require(id);
    return {vm.name, vm.id};
}

std::string Manager::logs(const std::string& id, std::size_t max_bytes) {
    check_log_bytes(max_bytes);
    Vm vm = require(id);
    return console_tail(paths_for(config_, vm.id).serial_log, max_bytes);
}

}  // namespace minions::lifecycle
