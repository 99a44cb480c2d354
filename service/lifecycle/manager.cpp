#include "manager.hpp"

#include <csignal>
#include <fstream>
#include <thread>

#include "core/error.hpp"
#include "core/names.hpp"
#include "fault.hpp"
#include "log.hpp"
#include "net/net.hpp"
#include "ssh_key.hpp"
#include "storage/disk_flush.hpp"
#include "storage/rootfs_copy.hpp"
#include "vm_paths.hpp"

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

}  // namespace

Manager::Manager(Config config, Store& store, hv::Hypervisor& hypervisor)
    : config_(std::move(config)), store_(store), hypervisor_(hypervisor), observer_(&null_observer) {}

void Manager::set_observer(Observer* observer) { observer_ = observer ? observer : &null_observer; }

std::vector<Vm> Manager::list() { return store_.list(); }

Vm Manager::require(const std::string& id) {
    auto vm = store_.find_by_id(id);
    if (!vm) throw Error(Errc::NotFound, "VM no longer exists (id " + id + ")");
    return *vm;
}

std::string Manager::tap_of(const Vm& vm) const { return tap_name(vm.name); }

void Manager::ensure_guest_files() const {
    for (const fs::path& file : {config_.kernel_dir / "vmlinuz", config_.kernel_dir / "initrd.img", base_image(config_)})
        if (!fs::exists(file))
            throw Error(Errc::Internal, "Guest file missing: " + file.string() +
                                            "; build the guest image with guest/build-image.sh");
}

void Manager::set_status(Vm& vm, VmStatus status) {
    store_.set_status(vm.id, status);
    vm.status = status;
    observer_->vm_changed(vm);
}

bool Manager::vmm_alive(const Vm& vm) const {
    return vm.pid > 0 && hv::process_alive({static_cast<pid_t>(vm.pid), vm.pid_start_time});
}

agent::Client Manager::agent_for(const Vm& vm, std::chrono::milliseconds call_timeout) const {
    return agent::Client(hypervisor_.agent_endpoint(launch_spec(config_, vm)), call_timeout);
}

// Brings up the TAP and the VMM, then waits for the guest agent and gives the
// guest its address, hostname and SSH key. Every resource gets its undo first.
void Manager::boot(Vm& vm, const std::string& ssh_key, Rollback& rollback, const std::string& op,
                   const std::function<void()>& before_running) {
    // A new VM stays `creating` until it runs, so a crash at any step of a
    // create or copy is rolled back whole by reconcile(); only an existing VM
    // goes through `starting`.
    if (vm.status != VmStatus::Creating) set_status(vm, VmStatus::Starting);
    const std::string tap = tap_of(vm);
    net::create_tap(tap, config_.bridge);
    rollback.add("delete " + tap, [tap] { net::delete_link(tap); });
    fault_point(op + ":after-tap");

    hv::LaunchSpec spec = launch_spec(config_, vm);
    fs::create_directories(spec.socket_dir);
    rollback.add("remove " + spec.socket_dir.string(), [dir = spec.socket_dir] { remove_tree(dir); });
    hv::Process process = hypervisor_.launch(spec);
    rollback.add("stop the VMM of " + vm.name, [this, spec, process] { hypervisor_.kill(spec, process); });
    vm.pid = process.pid;
    vm.pid_start_time = process.start_time;
    store_.set_process(vm.id, vm.pid, vm.pid_start_time);
    observer_->vm_changed(vm);
    fault_point(op + ":after-launch");

    prepare_guest(vm, ssh_key);
    if (before_running) before_running();
    store_.set_running(vm.id, vm.pid, vm.pid_start_time);
    vm.status = VmStatus::Running;
    observer_->vm_changed(vm);
}

void Manager::prepare_guest(Vm& vm, const std::string& ssh_key) {
    agent::Client agent = agent_for(vm);
    agent.wait_ready(std::chrono::duration_cast<std::chrono::milliseconds>(config_.agent_ready_timeout));
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
    hv::LaunchSpec spec = launch_spec(config_, vm);
    if (vmm_alive(vm)) hypervisor_.kill(spec, {static_cast<pid_t>(vm.pid), vm.pid_start_time});
    net::delete_link(tap_of(vm));
    remove_tree(spec.socket_dir);
}

// The record (status `creating`) and the directory of a VM that create or
// copy is making, each with its undo; the new VM is held until the end.
std::pair<Vm, VmLocks::Guard> Manager::add_vm(const NewVm& request, const std::string& op, Rollback& rollback) {
    Vm vm = store_.create(request, config_.subnet);
    auto lock = locks_.acquire(vm.id, vm.name, op);
    rollback.add("remove the record of " + vm.name, [this, id = vm.id] {
        store_.remove(id);
        observer_->vm_removed(id);
    });
    observer_->vm_added(vm);
    fault_point(op + ":after-record");

    fs::path dir = paths_for(config_, vm.id).dir;
    fs::create_directories(dir);
    rollback.add("remove " + dir.string(), [dir] { remove_tree(dir); });
    return {std::move(vm), std::move(lock)};
}

Vm Manager::create(const CreateRequest& request, const Authorize& authorize) {
    validate_name(request.name);
    uint32_t cpus = request.cpus ? request.cpus : config_.default_cpus;
    uint32_t memory = request.memory_mb ? request.memory_mb : config_.default_memory_mb;
    if (cpus > config_.max_cpus)
        throw Error(Errc::InvalidArgument, "cpus must be between 1 and " + std::to_string(config_.max_cpus));
    if (memory < 128 || memory > config_.max_memory_mb)
        throw Error(Errc::InvalidArgument,
                    "memory_mb must be between 128 and " + std::to_string(config_.max_memory_mb));
    std::string key = request.ssh_key.empty() ? "" : validate_ssh_key(request.ssh_key);
    if (store_.find_by_name(request.name))
        throw Error(Errc::AlreadyExists, "A VM named " + in_quotes(request.name) + " already exists");
    ensure_guest_files();
    authorize(request.name, "");

    Rollback rollback;
    auto [vm, lock] = add_vm({request.name, cpus, memory, std::string(hypervisor_.kind())}, "create", rollback);
    VmPaths paths = paths_for(config_, vm.id);
    storage::copy_rootfs(base_image(config_), paths.rootfs);
    fault_point("create:after-copy");

    // Destroyed before `rollback` runs: a failed boot waits for the flush
    // before the rollback deletes the file.
    storage::DiskFlush flushed(paths.rootfs);
    boot(vm, key, rollback, "create", [&] { flushed.wait(); });
    rollback.commit();
    log_info("created VM " + vm.name + " (" + vm.ip + ")");
    return vm;
}

Vm Manager::start(const std::string& id, const Authorize& authorize) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "start");
    vm = require(id);
    if (vm.status == VmStatus::Running && vmm_alive(vm))
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " is already running");
    if (vm.status != VmStatus::Stopped && vm.status != VmStatus::Error)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " cannot be started while " +
                                            std::string(to_string(vm.status)));
    ensure_guest_files();
    authorize(vm.name, vm.id);

    release_resources(vm);  // an `error` VM may have left a VMM or TAP behind
    Rollback rollback;
    rollback.add("mark " + vm.name + " stopped", [this, id = vm.id] {
        store_.set_process(id, 0, 0);
        Vm v = require(id);
        set_status(v, VmStatus::Stopped);
    });
    boot(vm, "", rollback, "start");
    rollback.commit();
    log_info("started VM " + vm.name);
    return vm;
}

bool Manager::wait_powered_off(const Vm& vm, std::chrono::seconds timeout) {
    hv::LaunchSpec spec = launch_spec(config_, vm);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!vmm_alive(vm)) return true;
        try {
            if (hypervisor_.info(spec).value("state", "") == "Shutdown") return true;
        } catch (const Error&) {
            // The VMM may be exiting; the next round sees it gone.
        }
        std::this_thread::sleep_for(200ms);
    }
    return !vmm_alive(vm);
}

// A forced stop also cancels a hung operation on the VM: it kills the VMM,
// which makes that operation fail at once, then takes the VM over.
VmLocks::Guard Manager::lock_for_stop(const Vm& vm, bool force, const Authorize& authorize) {
    if (!force || !locks_.busy(vm.id)) return locks_.acquire(vm.id, vm.name, "stop");
    authorize(vm.name, vm.id);
    if (vmm_alive(vm)) {
        log_warning("forced stop of " + vm.name + " while busy: killing its VMM");
        ::kill(static_cast<pid_t>(vm.pid), SIGKILL);
    }
    return locks_.acquire_within(vm.id, vm.name, "stop", std::chrono::seconds(30));
}

Vm Manager::stop(const std::string& id, bool force, std::chrono::seconds timeout, const Authorize& authorize) {
    Vm vm = require(id);
    auto lock = lock_for_stop(vm, force, authorize);
    vm = require(id);
    if (vm.status == VmStatus::Stopped) throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " is already stopped");
    if (vm.status != VmStatus::Running && vm.status != VmStatus::Error)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " cannot be stopped while " +
                                            std::string(to_string(vm.status)));
    authorize(vm.name, vm.id);

    if (timeout.count() == 0 && !force) timeout = config_.stop_timeout;
    if (vm.status == VmStatus::Running && vmm_alive(vm) && timeout.count() > 0) {
        set_status(vm, VmStatus::Stopping);
        hv::LaunchSpec spec = launch_spec(config_, vm);
        try {
            agent_for(vm, 5s).sync();
        } catch (const Error& e) {
            log_warning("stop " + vm.name + ": flushing guest filesystems failed: " + e.what());
        }
        try {
            hypervisor_.power_button(spec);
        } catch (const Error& e) {
            log_warning("stop " + vm.name + ": power button failed: " + e.what());
        }
        if (!wait_powered_off(vm, timeout) && !force) {
            set_status(vm, VmStatus::Running);
            throw Error(Errc::Timeout, "VM " + in_quotes(vm.name) + " did not power off within " +
                                           std::to_string(timeout.count()) + " s; force it with: minions stop --force " +
                                           vm.name);
        }
    }
    release_resources(vm);
    store_.set_process(vm.id, 0, 0);
    vm.pid = 0;
    vm.pid_start_time = 0;
    set_status(vm, VmStatus::Stopped);
    log_info("stopped VM " + vm.name);
    return vm;
}

Vm Manager::restart(const std::string& id, const Authorize& authorize) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "restart");
    vm = require(id);
    if (vm.status != VmStatus::Running)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be running to restart (status: " +
                                            std::string(to_string(vm.status)) + "); start it with: minions start " +
                                            vm.name);
    authorize(vm.name, vm.id);
    if (!vmm_alive(vm)) {
        set_status(vm, VmStatus::Error);
        throw Error(Errc::HypervisorFailed, "The hypervisor of VM " + in_quotes(vm.name) + " is gone");
    }

    set_status(vm, VmStatus::Restarting);
    try {
        agent_for(vm, 10s).sync();
    } catch (const Error& e) {
        log_warning("restart " + vm.name + ": flushing guest filesystems failed: " + e.what());
    }
    try {
        hypervisor_.reboot(launch_spec(config_, vm));
    } catch (const Error&) {
        set_status(vm, VmStatus::Running);
        throw;
    }
    fault_point("restart:after-reboot");
    try {
        prepare_guest(vm, "");
    } catch (const Error&) {
        set_status(vm, vmm_alive(vm) ? VmStatus::Running : VmStatus::Error);
        throw;
    }
    set_status(vm, VmStatus::Running);
    log_info("restarted VM " + vm.name);
    return vm;
}

Vm Manager::rename(const std::string& id, const std::string& new_name, const Authorize& authorize) {
    Vm vm = require(id);
    validate_name(new_name);
    auto lock = locks_.acquire(vm.id, vm.name, "rename");
    vm = require(id);
    if (new_name == vm.name) throw Error(Errc::InvalidArgument, "VM " + in_quotes(vm.name) + " already has that name");
    if (vm.status != VmStatus::Stopped)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be stopped before renaming (status: " +
                                            std::string(to_string(vm.status)) + "); stop it with: minions stop " +
                                            vm.name);
    if (store_.find_by_name(new_name))
        throw Error(Errc::AlreadyExists, "A VM named " + in_quotes(new_name) + " already exists");
    authorize(vm.name, vm.id);

    // Files and sockets are keyed by id and a stopped VM has no TAP, so the
    // rename is this one row update: it happens entirely or not at all.
    fault_point("rename:before-commit");
    store_.rename(vm.id, new_name);
    fault_point("rename:after-commit");
    std::string old_name = vm.name;
    vm.name = new_name;
    observer_->vm_changed(vm);
    log_info("renamed VM " + old_name + " to " + new_name);
    return vm;
}

Vm Manager::copy(const std::string& id, const std::string& new_name, const std::string& ssh_key,
                 const Authorize& authorize) {
    Vm source = require(id);
    std::string name = new_name.empty() ? copy_name_for(source.name) : new_name;
    validate_name(name);
    std::string key = ssh_key.empty() ? "" : validate_ssh_key(ssh_key);
    auto source_lock = locks_.acquire(source.id, source.name, "copy");
    source = require(id);
    if (source.status != VmStatus::Running && source.status != VmStatus::Stopped)
        throw Error(Errc::InvalidState, "VM " + in_quotes(source.name) + " can only be copied when running or stopped (status: " +
                                            std::string(to_string(source.status)) + ")");
    if (store_.find_by_name(name)) throw Error(Errc::AlreadyExists, "A VM named " + in_quotes(name) + " already exists");
    ensure_guest_files();
    authorize(source.name, source.id);

    Rollback rollback;
    auto [vm, lock] = add_vm({name, source.cpus, source.memory_mb, std::string(hypervisor_.kind())}, "copy", rollback);
    VmPaths paths = paths_for(config_, vm.id);
    {
        // A running source's filesystems are frozen for the copy so the copy is
        // consistent; if the agent cannot freeze, the VM is paused instead.
        Rollback unfreeze;
        if (source.status == VmStatus::Running && vmm_alive(source)) {
            try {
                agent_for(source, 30s).freeze();
                unfreeze.add("thaw " + source.name, [this, source] { agent_for(source, 30s).thaw(); });
            } catch (const Error& e) {
                log_warning("copy: freezing " + source.name + " failed (" + e.what() + "); pausing it instead");
                hv::LaunchSpec spec = launch_spec(config_, source);
                hypervisor_.pause(spec);
                unfreeze.add("resume " + source.name, [this, spec] { hypervisor_.resume(spec); });
            }
        }
        storage::copy_rootfs(paths_for(config_, source.id).rootfs, paths.rootfs);
    }
    fault_point("copy:after-copy");

    storage::DiskFlush flushed(paths.rootfs);
    boot(vm, key, rollback, "copy", [&] { flushed.wait(); });
    rollback.commit();
    log_info("copied VM " + source.name + " to " + vm.name + " (" + vm.ip + ")");
    return vm;
}

void Manager::destroy(const std::string& id, const Authorize& authorize) {
    Vm vm = require(id);
    auto lock = locks_.acquire(vm.id, vm.name, "destroy");
    vm = require(id);
    authorize(vm.name, vm.id);

    release_resources(vm);
    fault_point("destroy:before-commit");
    store_.remove(vm.id);
    observer_->vm_removed(vm.id);
    remove_tree(paths_for(config_, vm.id).dir);
    log_info("destroyed VM " + vm.name);
}

agent::ExecResult Manager::exec(const std::string& id, const std::string& command, const std::vector<std::string>& args,
                                std::chrono::seconds timeout, const Authorize& authorize) {
    Vm vm = require(id);
    if (command.empty()) throw Error(Errc::InvalidArgument, "exec needs a command");
    if (vm.status != VmStatus::Running)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be running to exec (status: " +
                                            std::string(to_string(vm.status)) + ")");
    authorize(vm.name, vm.id);
    if (timeout.count() == 0) timeout = config_.exec_timeout;
    auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    return agent_for(vm, limit + 10s).exec(command, args, limit);
}

nlohmann::json Manager::agent_status(const std::string& id, const Authorize& authorize) {
    Vm vm = require(id);
    if (vm.status != VmStatus::Running)
        throw Error(Errc::InvalidState, "VM " + in_quotes(vm.name) + " must be running to ask its agent (status: " +
                                            std::string(to_string(vm.status)) + ")");
    authorize(vm.name, vm.id);
    return agent_for(vm, 10s).status();
}

std::string Manager::logs(const std::string& id, std::size_t max_bytes, const Authorize& authorize) {
    Vm vm = require(id);
    authorize(vm.name, vm.id);
    std::ifstream in(paths_for(config_, vm.id).serial_log, std::ios::binary | std::ios::ate);
    if (!in) return "";
    auto size = static_cast<std::size_t>(in.tellg());
    std::size_t start = size > max_bytes ? size - max_bytes : 0;
    in.seekg(static_cast<std::streamoff>(start));
    std::string text(size - start, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return text;
}

}  // namespace minions::lifecycle
