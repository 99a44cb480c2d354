#include "hypervisor/qemu_driver.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "hypervisor/launch.hpp"
#include "hypervisor/process.hpp"
#include "hypervisor/qmp_client.hpp"

namespace minions::hv {
namespace {

constexpr const char* kQmpSocket = "qmp.sock";
constexpr const char* kAgentSocket = "agent.sock";
constexpr const char* kAgentPortName = "org.minions.agent";

// QEMU's run states (qapi RunState) in the vocabulary of Cloud Hypervisor's
// VmState, so callers read one "state" whatever the driver.
std::string state_of(const std::string& status) {
    if (status == "running") return "Running";
    if (status == "shutdown") return "Shutdown";
    if (status == "prelaunch") return "Created";
    if (status == "internal-error" || status == "io-error" || status == "guest-panicked") return "Error";
    return "Paused";  // paused, suspended, debug, watchdog, migration states: vCPUs not running
}

}  // namespace

std::string resolve_accel(const std::string& accel) {
    if (accel == "kvm" || accel == "tcg") return accel;
    if (accel != "auto")
        throw Error{Errc::InvalidArgument, "unknown acceleration '" + accel + "' (use auto, kvm or tcg)"};
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return "tcg";
    ::close(fd);
    return "kvm";
}

std::string qemu_escape(const std::string& value) {
    std::string out;
    for (char ch : value) {
        out += ch;
        if (ch == ',') out += ',';
    }
    return out;
}

QemuDriver::QemuDriver(std::filesystem::path binary, std::string accel)
    : binary_(std::move(binary)), accel_(resolve_accel(accel)) {}

std::vector<std::string> QemuDriver::argv(const LaunchSpec& spec) const {
    auto resolved = find_program(binary_);
    std::vector<std::string> a{resolved.empty() ? binary_.string() : resolved.string()};
    auto add = [&a](std::initializer_list<std::string> items) { a.insert(a.end(), items); };
    add({"-name", spec.name});
    add({"-accel", accel_});
    // q35 has PCI Express and ACPI, so virtio-pci and system_powerdown work.
    add({"-machine", "q35"});
    add({"-m", std::to_string(spec.memory_mb) + "M"});
    add({"-smp", std::to_string(spec.cpus)});
    add({"-nodefaults", "-no-user-config", "-display", "none"});
    // The kernel, initramfs and TAP are open descriptors (HandedFiles).
    add({"-kernel", HandedFiles::kKernel});
    if (!spec.initramfs.empty()) add({"-initrd", HandedFiles::kInitramfs});
    add({"-append", spec.cmdline});
    add({"-drive", "file=" + qemu_escape(spec.rootfs.string()) + ",format=raw,if=virtio"});
    if (!spec.tap.empty()) {
        add({"-netdev", "tap,id=n0,fd=" + std::to_string(HandedFiles::kTapFd)});
        add({"-device", "virtio-net-pci,netdev=n0,mac=" + spec.mac});
    }
    add({"-device", "virtio-serial-pci"});
    add({"-chardev", "socket,id=agent,path=" + qemu_escape((spec.socket_dir / kAgentSocket).string()) +
                         ",server=on,wait=off"});
    add({"-device", std::string("virtserialport,chardev=agent,name=") + kAgentPortName});
    // Appending keeps the console of earlier boots; -serial file: would truncate.
    add({"-chardev", "file,id=serial0,path=" + qemu_escape(spec.serial_log.string()) + ",append=on"});
    add({"-serial", "chardev:serial0"});
    add({"-chardev", "socket,id=qmp,path=" + qemu_escape((spec.socket_dir / kQmpSocket).string()) +
                         ",server=on,wait=off"});
    add({"-mon", "chardev=qmp,mode=control"});
    // QEMU's seccomp filter: no obsolete calls, no new privileges, no
    // processes, no changes to its own scheduling or memory policy.
    add({"-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"});
    return a;
}

Process QemuDriver::launch(const LaunchSpec& spec, const std::function<void(const Process&)>& on_spawned) {
    if (find_program(binary_).empty())
        throw Error{Errc::HypervisorFailed, "QEMU binary '" + binary_.string() +
                                                "' not found; install qemu-system-x86 or set qemu_binary"};
    prepare_vm_files(spec, {kQmpSocket, kAgentSocket});
    auto files = open_handed_files(spec);
    auto log = vmm_log_path(spec);
    auto process = spawn_vmm(argv(spec), spec, files, on_spawned);
    wait_ready(process, log, launch_timeout, "QEMU", [&] {
        try {
            QmpClient client(spec.socket_dir / kQmpSocket, call_timeout);
            client.execute("query-status");
            return true;
        } catch (const Error&) {
            return false;  // socket not there yet
        }
    });
    return process;
}

nlohmann::json QemuDriver::qmp(const LaunchSpec& spec, const std::string& command) {
    QmpClient client(spec.socket_dir / kQmpSocket, call_timeout);
    return client.execute(command);
}

void QemuDriver::reboot(const LaunchSpec& spec) { qmp(spec, "system_reset"); }
void QemuDriver::power_button(const LaunchSpec& spec) { qmp(spec, "system_powerdown"); }
void QemuDriver::pause(const LaunchSpec& spec) { qmp(spec, "stop"); }
void QemuDriver::resume(const LaunchSpec& spec) { qmp(spec, "cont"); }

void QemuDriver::kill(const LaunchSpec& spec, const Process& process, std::chrono::milliseconds grace) {
    if (!process_alive(process)) return;
    try {
        qmp(spec, "quit");
    } catch (const Error&) {
        // QEMU may close the monitor before answering quit, or be wedged:
        // either way the signal below settles it.
    }
    if (wait_gone(process, grace)) return;
    kill_hard(process);
    if (!wait_gone(process, std::chrono::seconds(5)))
        throw Error{Errc::HypervisorFailed, "QEMU (pid " + std::to_string(process.pid) + ") survived SIGKILL"};
}

nlohmann::json QemuDriver::info(const LaunchSpec& spec) {
    auto status = qmp(spec, "query-status");
    std::string raw = status.value("status", "");
    return {{"state", state_of(raw)}, {"status", raw}, {"running", status.value("running", false)}};
}

agent::Endpoint QemuDriver::agent_endpoint(const LaunchSpec& spec) const {
    agent::Endpoint endpoint;
    endpoint.transport = agent::Endpoint::Transport::Unix;
    endpoint.socket = spec.socket_dir / kAgentSocket;
    return endpoint;
}

std::unique_ptr<Hypervisor> make_qemu(const Config& config) {
    return std::make_unique<QemuDriver>(config.qemu_binary, config.accel);
}

}  // namespace minions::hv
