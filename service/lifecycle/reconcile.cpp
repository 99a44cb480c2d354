// Start-up reconciliation and the liveness check: make the store, the VMM
// processes, the TAP devices and the files on disk agree again after a crash,
// a host reboot or a VMM that died on its own.
#include <regex>
#include <set>

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
        case VmStatus::Stopping:
            if (alive) {
                log_info("reconcile: re-adopting running VM " + vm.name + " (pid " + std::to_string(vm.pid) + ")");
                if (vm.status != VmStatus::Running) store_.set_status(vm.id, VmStatus::Running);
                live_taps.insert(tap_name(vm.name));
            } else {
                log_warning("reconcile: the hypervisor of " + vm.name + " died; marking it error");
                release_resources(vm);
                store_.set_process(vm.id, 0, 0);
                store_.set_status(vm.id, VmStatus::Error);
            }
            break;
        case VmStatus::Stopped:
        case VmStatus::Error:
            if (alive) {
                log_warning("reconcile: " + vm.name + " has a VMM although " + std::string(to_string(vm.status)) +
                            "; stopping it");
            }
            release_resources(vm);
            if (vm.pid) store_.set_process(vm.id, 0, 0);
            break;
        }
        ids.insert(vm.id);
    }

    remove_orphan_dirs(config_.vms_dir, ids);
    remove_orphan_dirs(config_.run_dir, ids);
    for (const std::string& tap : net::links_with_prefix("tap-")) {
        if (live_taps.contains(tap)) continue;
        log_info("reconcile: removing orphan TAP " + tap);
        net::delete_link(tap);
    }
}

void Manager::check_liveness() {
    for (Vm vm : store_.list()) {
        if (vm.status != VmStatus::Running || vmm_alive(vm)) continue;
        try {
            auto lock = locks_.acquire(vm.id, vm.name, "liveness check");
            auto current = store_.find_by_id(vm.id);
            if (!current || current->status != VmStatus::Running || vmm_alive(*current)) continue;
            vm = *current;
            log_warning("the hypervisor of " + vm.name + " died; marking it error");
            release_resources(vm);
            store_.set_process(vm.id, 0, 0);
            vm.pid = 0;
            vm.pid_start_time = 0;
            set_status(vm, VmStatus::Error);
        } catch (const Error& e) {
            if (e.code() != Errc::Busy) log_warning(std::string("liveness check: ") + e.what());
        }
    }
}

}  // namespace minions::lifecycle
