#pragma once
// The Cloud Hypervisor driver: one cloud-hypervisor process per VM, booted
// from its command line (--kernel), controlled over the REST API on
// <socket_dir>/api.sock; the guest agent behind hybrid vsock on
// <socket_dir>/vsock.sock, port 1024.
#include <filesystem>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

class CloudHypervisorDriver : public Hypervisor {
public:
    explicit CloudHypervisorDriver(std::filesystem::path binary);

    std::string_view kind() const override { return "cloud-hypervisor"; }
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
    // Throws Error{InvalidArgument} for a path with a comma, which CH's
    // key=value option syntax cannot carry.
    std::vector<std::string> argv(const LaunchSpec& spec) const;

    std::chrono::milliseconds launch_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds call_timeout{std::chrono::seconds(10)};

private:
    std::filesystem::path binary_;
};

}  // namespace minions::hv
