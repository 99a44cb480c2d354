#include "hypervisor/cloud_hypervisor_driver.hpp"

#include "core/config.hpp"
#include "core/error.hpp"
#include "hypervisor/ch_client.hpp"
#include "hypervisor/launch.hpp"
#include "hypervisor/process.hpp"

namespace minions::hv {
namespace {

constexpr const char* kApiSocket = "api.sock";
constexpr const char* kVsockSocket = "vsock.sock";
constexpr uint32_t kAgentPort = 1024;

std::string option_path(const std::filesystem::path& path, const char* what) {
    if (path.string().find(',') != std::string::npos)
        throw Error{Errc::InvalidArgument, std::string(what) + " path '" + path.string() +
                                               "' contains a comma, which Cloud Hypervisor options cannot carry"};
    return path.string();
}

}  // namespace

CloudHypervisorDriver::CloudHypervisorDriver(std::filesystem::path binary) : binary_(std::move(binary)) {}

std::vector<std::string> CloudHypervisorDriver::argv(const LaunchSpec& spec) const {
    auto resolved = find_program(binary_);
    std::vector<std::string> a{resolved.empty() ? binary_.string() : resolved.string()};
    auto add = [&a](std::initializer_list<std::string> items) { a.insert(a.end(), items); };
    add({"--api-socket", "path=" + option_path(spec.socket_dir / kApiSocket, "API socket")});
    // The kernel, initramfs and TAP are open descriptors (HandedFiles).
    add({"--kernel", HandedFiles::kKernel});
    if (!spec.initramfs.empty()) add({"--initramfs", HandedFiles::kInitramfs});
    add({"--cmdline", spec.cmdline});
    add({"--disk", "path=" + option_path(spec.rootfs, "rootfs")});
    add({"--cpus", "boot=" + std::to_string(spec.cpus)});
    add({"--memory", "size=" + std::to_string(spec.memory_mb) + "M"});
    if (!spec.tap.empty()) add({"--net", "fd=" + std::to_string(HandedFiles::kTapFd) + ",mac=" + spec.mac});
    add({"--vsock", "cid=" + std::to_string(spec.cid) +
                        ",socket=" + option_path(spec.socket_dir / kVsockSocket, "vsock socket")});
    add({"--serial", "file=" + option_path(spec.serial_log, "serial log")});
    add({"--console", "off"});
    return a;
}

Process CloudHypervisorDriver::launch(const LaunchSpec& spec,
                                      const std::function<void(const Process&)>& on_spawned) {
    if (find_program(binary_).empty())
        throw Error{Errc::HypervisorFailed, "Cloud Hypervisor binary '" + binary_.string() +
                                                "' not found; install it or set cloud_hypervisor_binary"};
    auto command = argv(spec);
    prepare_vm_files(spec, {kApiSocket, kVsockSocket});
    auto files = open_handed_files(spec);
    auto log = vmm_log_path(spec);
    auto process = spawn_vmm(command, spec, files, on_spawned);
    ChClient api(spec.socket_dir / kApiSocket, std::chrono::seconds(2));
    bool boot_requested = false;
    wait_ready(process, log, launch_timeout, "cloud-hypervisor", [&] {
        try {
            api.ping();
            auto state = ch::vm_state(api.info());
            if (state == "Running") return true;
            // --kernel on the command line boots the VM by itself; a VMM
            // that only created it gets one explicit boot.
            if (state == "Created" && !boot_requested) {
                boot_requested = true;
                api.put("vm.boot");
            }
            return false;
        } catch (const ChApiError&) {
            return false;  // API up, VM not created yet
        } catch (const Error&) {
            return false;  // API socket not there yet
        }
    });
    return process;
}

void CloudHypervisorDriver::reboot(const LaunchSpec& spec) {
    ChClient(spec.socket_dir / kApiSocket, call_timeout).put("vm.reboot");
}

void CloudHypervisorDriver::power_button(const LaunchSpec& spec) {
    ChClient(spec.socket_dir / kApiSocket, call_timeout).put("vm.power-button");
}

void CloudHypervisorDriver::pause(const LaunchSpec& spec) {
    ChClient(spec.socket_dir / kApiSocket, call_timeout).put("vm.pause");
}

void CloudHypervisorDriver::resume(const LaunchSpec& spec) {
    ChClient(spec.socket_dir / kApiSocket, call_timeout).put("vm.resume");
}

nlohmann::json CloudHypervisorDriver::info(const LaunchSpec& spec) {
    return ChClient(spec.socket_dir / kApiSocket, call_timeout).info();
}

void CloudHypervisorDriver::kill(const LaunchSpec& spec, const Process& process, std::chrono::milliseconds grace) {
    if (!process_alive(process)) return;
    try {
        // Short timeout: a wedged VMM must not eat the grace period twice.
        auto timeout = std::min(call_timeout, std::max(grace, std::chrono::milliseconds(100)));
        ChClient(spec.socket_dir / kApiSocket, timeout).put("vmm.shutdown");
    } catch (const Error&) {
        // The VMM may drop the connection as it exits, or be wedged: the
        // signal below settles it either way.
    }
    if (wait_gone(process, grace)) return;
    kill_hard(process);
    if (!wait_gone(process, std::chrono::seconds(5)))
        throw Error{Errc::HypervisorFailed,
                    "cloud-hypervisor (pid " + std::to_string(process.pid) + ") survived SIGKILL"};
}

agent::Endpoint CloudHypervisorDriver::agent_endpoint(const LaunchSpec& spec) const {
    agent::Endpoint endpoint;
    endpoint.transport = agent::Endpoint::Transport::HybridVsock;
    endpoint.socket = spec.socket_dir / kVsockSocket;
    endpoint.port = kAgentPort;
    return endpoint;
}

std::unique_ptr<Hypervisor> make_cloud_hypervisor(const Config& config) {
    return std::make_unique<CloudHypervisorDriver>(config.cloud_hypervisor_binary);
}

}  // namespace minions::hv
