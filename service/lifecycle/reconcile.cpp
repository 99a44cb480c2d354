// Start-up reconciliation and the liveness check: make the store, the VMM
// processes, the TAP devices and the files on disk agree again after a crash,
// a host reboot or a VMM that died on its own.
#include <regex>
#include <set>
#include <thread>

#include "console_log.hpp"
#include "core/error.hpp"
#include "log.hpp"
#include "manager.hpp"
#include "net/net.hpp"
#include "vm_paths.hpp"

namespace minions::lifecycle {
namespace fs = std::filesystem;

namespace {

// Only directories named like a VM id are ever removed as orphans.
bool looks_like_vm_id(const std::string& name) {
    static const std::regex id_pattern("^[0-9a-f]{16}$");
    return std::regex_match(name, id_pattern);
}

void remove_orphan_dirs(const fs::path& parent, const std::set<std::string>& keep) {
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) return;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        std::string name = entry.path().filename().string();
        if (!entry.is_directory() || !looks_like_vm_id(name) || keep.contains(name)) continue;
        log_info("reconcile: removing orphan " + entry.path().string());
        fs::remove_all(entry.path(), ec);
    }
}

}  // namespace

void Manager::reconcile() {
    std::set<std::string> ids;
    std::set<std::string> live_taps;
    std::set<std::string> running;  // ids of VMs whose VMM runs: only they keep sockets
    for (Vm vm : store_.list()) {
        const bool alive = vmm_alive(vm);
        switch (vm.status) {
        case VmStatus::Creating:
            // The daemon died while creating or copying: finish the rollback it never ran.
            log_warning("reconcile: rolling back interrupted create of " + vm.name);
            release_resources(vm);
            store_.remove(vm.id);
            continue;  // its directory goes with the orphans below
        case VmStatus::Starting:
            log_warning("reconcile: rolling back interrupted start of " + vm.name);
            release_resources(vm);
            store_.set_process(vm.id, 0, 0);
            store_.set_status(vm.id, VmStatus::Stopped);
            break;
        case VmStatus::Running:
        case VmStatus::Restarting:
            if (alive) {
                log_info("reconcile: re-adopting running VM " + vm.name + " (pid " + std::to_string(vm.pid) + ")");
                if (vm.status != VmStatus::Running) store_.set_status(vm.id, VmStatus::Running);
                watcher_->watch(vm.id, {static_cast<pid_t>(vm.pid), vm.pid_start_time});
                undo_interrupted_freeze(vm);
                live_taps.insert(tap_name(vm.name));
                running.insert(vm.id);
            } else {
                log_warning("reconcile: the hypervisor of " + vm.name + " died; marking it error");
                release_resources(vm);
                store_.set_process(vm.id, 0, 0);
                store_.set_status(vm.id, VmStatus::Error);
            }
            break;
        case VmStatus::Stopping:
            // The daemon died during a stop. A VMM that is gone, or whose guest
            // is off, powered off as asked; one whose guest still runs never
            // got as far: it stays running.
            if (alive && !guest_powered_off(vm)) {
                log_warning("reconcile: the stop of " + vm.name + " was interrupted; it is still running");
                store_.set_status(vm.id, VmStatus::Running);
                watcher_->watch(vm.id, {static_cast<pid_t>(vm.pid), vm.pid_start_time});
                live_taps.insert(tap_name(vm.name));
                running.insert(vm.id);
            } else {
                log_info("reconcile: finishing the interrupted stop of " + vm.name);
                release_resources(vm);
                store_.set_process(vm.id, 0, 0);
                store_.set_status(vm.id, VmStatus::Stopped);
            }
            break;
        case VmStatus::Stopped:
        case VmStatus::Error:
            // Its TAP, if any, goes with the orphans below: one netlink dump
            // for the host instead of one socket per stopped VM.
            if (alive) {
                log_warning("reconcile: " + vm.name + " has a VMM although " + std::string(to_string(vm.status)) +
                            "; stopping it");
                release_resources(vm);
            }
            if (vm.pid) store_.set_process(vm.id, 0, 0);
            break;
        }
        ids.insert(vm.id);
    }

    remove_orphan_dirs(config_.vms_dir, ids);
    remove_orphan_dirs(config_.run_dir, running);
    for (const std::string& tap : net::links_with_prefix("tap-")) {
        if (live_taps.contains(tap)) continue;
        log_info("reconcile: removing orphan TAP " + tap);
        net::delete_link(tap);
    }
}

bool Manager::guest_powered_off(const Vm& vm) {
    try {
        return hypervisor_.info(launch_spec(config_, vm)).value("state", "") == "Shutdown";
    } catch (const Error&) {
        return false;  // no answer: treat it as running, a stop can be asked again
    }
}

void Manager::check_liveness() {
    for (const Vm& vm : store_.list())
        if (vm.status == VmStatus::Running && !vmm_alive(vm)) mark_dead(vm.id);
}

void Manager::cap_console_logs() {
    const std::uint64_t limit = std::uint64_t{config_.console_log_max_mb} << 20;
    for (const Vm& vm : store_.list()) {
        if (vm.status == VmStatus::Stopped) continue;  // nobody writes to it
        try {
            if (rotate_console_log(paths_for(config_, vm.id).serial_log, limit))
                log_info("rotated the console log of " + vm.name);
        } catch (const std::exception& e) {
            log_warning("console log of " + vm.name + ": " + e.what());
        }
    }
}

void Manager::vmm_exited(const std::string& id) {
    {
        std::lock_guard lock(exited_mutex_);
        exited_.insert(id);
    }
    exited_changed_.notify_all();
}

bool Manager::mark_dead(const std::string& id) {
    try {
        auto current = store_.find_by_id(id);
        if (!current) return true;
        auto lock = locks_.acquire(current->id, current->name, "supervision");
        current = store_.find_by_id(id);
        if (!current || current->status != VmStatus::Running || vmm_alive(*current)) return true;
        Vm vm = *current;
        log_warning("the hypervisor of " + vm.name + " died; marking it error");
        release_resources(vm);
        forget_process(vm);
        set_status(vm, VmStatus::Error);
    } catch (const Error& e) {
        // A busy VM is being worked on; that operation sees the death itself,
        // and the exit is looked at again once it is done.
        if (e.code() == Errc::Busy) return false;
        log_warning(std::string("supervision: ") + e.what());
    }
    return true;
}

void Manager::supervise(const std::atomic<bool>& stopping) {
    constexpr auto kSweep = std::chrono::seconds(2);
    constexpr auto kBusyRetry = std::chrono::milliseconds(100);
    auto next_sweep = std::chrono::steady_clock::now() + kSweep;
    while (!stopping) {
        std::set<std::string> exited;
        {
            std::unique_lock lock(exited_mutex_);
            exited_changed_.wait_for(lock, exited_.empty() ? kBusyRetry * 5 : kBusyRetry,
                                     [&] { return stopping || !exited_.empty(); });
            exited.swap(exited_);
        }
        std::set<std::string> busy;
        for (const std::string& id : exited)
            if (!mark_dead(id)) busy.insert(id);
        if (!busy.empty()) {
            {
                std::lock_guard lock(exited_mutex_);
                exited_.merge(busy);
            }
            std::this_thread::sleep_for(kBusyRetry);
        }
        if (std::chrono::steady_clock::now() >= next_sweep) {
            // Behind the pidfds: a VMM adopted before supervision started, or
            // one whose exit was missed, is still found.
            try {
                check_liveness();
                cap_console_logs();
            } catch (const std::exception& e) {
                log_warning(std::string("liveness check failed: ") + e.what());
            }
            next_sweep = std::chrono::steady_clock::now() + kSweep;
        }
    }
}

}  // namespace minions::lifecycle
