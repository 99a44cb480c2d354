#pragma once
// The QEMU driver: one qemu-system-x86_64 per VM, controlled over QMP on
// <socket_dir>/qmp.sock; the guest agent on a virtio-serial port whose host
// end is the Unix socket <socket_dir>/agent.sock.
#include <filesystem>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

// "auto" -> "kvm" if /dev/kvm opens read-write, else "tcg". Anything other
// than auto/kvm/tcg throws Error{InvalidArgument}.
std::string resolve_accel(const std::string& accel);

// QEMU's option syntax doubles a comma inside a value.
std::string qemu_escape(const std::string& value);

class QemuDriver : public Hypervisor {
public:
    QemuDriver(std::filesystem::path binary, std::string accel);

    std::string_view kind() const override { return "qemu"; }
    using Hypervisor::launch;
    Process launch(const LaunchSpec& spec, const std::function<void(const Process&)>& on_spawned) override;
    void reboot(const LaunchSpec& spec) override;
    void power_button(const LaunchSpec& spec) override;
    void kill(const LaunchSpec& spec, const Process& process,
              std::chrono::milliseconds grace = std::chrono::seconds(3)) override;
    void pause(const LaunchSpec& spec) override;
    void resume(const LaunchSpec& spec) override;
    nlohmann::json info(const LaunchSpec& spec) override;
    agent::Endpoint agent_endpoint(const LaunchSpec& spec) const override;

    // The exact command line launch() runs (argv[0] is the resolved binary).
    std::vector<std::string> argv(const LaunchSpec& spec) const;

    std::chrono::milliseconds launch_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds call_timeout{std::chrono::seconds(5)};

private:
    nlohmann::json qmp(const LaunchSpec& spec, const std::string& command);

    std::filesystem::path binary_;
    std::string accel_;  // resolved: kvm or tcg
};

}  // namespace minions::hv
