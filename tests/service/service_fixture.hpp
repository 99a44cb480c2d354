#pragma once
// Runs the real minionsd for a test suite: a private system bus with real
// polkitd (tests/polkit/private_bus.hpp), minionsd started by bus activation
// from the bus's service directory, its VM network (bridge, TAPs) inside a
// network namespace of the suite's own, and the Cloud Hypervisor test double
// as hypervisor with the real minions-agent (host test mode) behind its vsock.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "polkit/private_bus.hpp"

namespace minions::test {

// The outcome of one D-Bus call: its reply value rendered by the caller, or the error.
struct Outcome {
    bool ok = false;
    std::string error_name;
    std::string error_message;
};

class ServiceTest : public PrivateBusTest {
public:
    struct Options {
        // "cloud-hypervisor" runs the test double; "qemu" boots real VMs
        // (TCG) from the guest image found in guest_kernel_dir/guest_image_dir.
        std::string hypervisor = "cloud-hypervisor";
        std::filesystem::path guest_kernel_dir;  // vmlinuz + initrd.img (qemu)
        std::filesystem::path guest_image_dir;   // base.ext4 (qemu)
        std::string subnet = "10.213.0.1/24";
        unsigned agent_ready_timeout_s = 20;
        unsigned memory_mb = 1024;  // default for new VMs
        unsigned auth_timeout_s = 300;  // how long a password prompt may stay open
        unsigned console_log_max_mb = 4;
    };

    // The default suite runs the Cloud Hypervisor double; a suite with other
    // options hides SetUpTestSuite and calls start_service(options).
    static void SetUpTestSuite() { start_service(Options{}); }
    static void start_service(const Options& options);
    static void TearDownTestSuite();
    void SetUp() override;
    void TearDown() override;  // destroys every VM the test left

    static std::filesystem::path root() { return root_; }
    static std::string netns() { return netns_; }
    static const Options& options() { return options_; }
    static std::filesystem::path config_file() { return root_ / "minionsd.conf"; }
    static std::filesystem::path vms_dir() { return root_ / "vms"; }
    static std::filesystem::path run_dir() { return root_ / "run"; }
    // minionsd's standard error, every activation appended.
    static std::filesystem::path daemon_log() { return root_ / "minionsd.log"; }

    // Rewrites the activation file so the next activation runs minionsd with
    // these extra environment variables (e.g. MINIONS_FAULT).
    static void set_daemon_env(const std::map<std::string, std::string>& env);
    // A copy of `program` that a VMM's own user can run (the double starts
    // the guest agent as that user; the build tree may be out of its reach).
    static std::filesystem::path guest_program(const std::filesystem::path& program);
    // pid of the running minionsd, or nullopt when the name has no owner.
    static std::optional<pid_t> daemon_pid();
    static void kill_daemon(int signal);  // and waits until the name is released
    // The next call activates minionsd with this environment (VMs keep running).
    static void restart_daemon_with(const std::map<std::string, std::string>& env);

    sdbus::IConnection& connection() { return *connection_; }

    // org.minions.Manager
    sdbus::ObjectPath create(const std::string& name, const std::string& ssh_key = "");
    Outcome try_create(const std::string& name, uint32_t cpus = 0, uint32_t memory_mb = 0,
                       const std::string& ssh_key = "");
    std::map<std::string, sdbus::Variant> get_vm(const std::string& name);
    Outcome try_get_vm(const std::string& name);
    std::vector<std::map<std::string, sdbus::Variant>> list_vms();
    sdbus::ObjectPath find_vm(const std::string& name);

    // org.minions.VM, by VM name
    Outcome call_vm(const std::string& name, const std::string& method,
                    const std::function<void(sdbus::MethodCall&)>& args = {},
                    const std::function<void(sdbus::MethodReply&)>& reply = {});
    void stop(const std::string& name, bool force = false);
    std::string property(const sdbus::ObjectPath& path, const std::string& name);

    // The whole state agrees with itself: every VM's address distinct, its disk
    // there, and VM records = VM directories, running VMs = socket
    // directories = TAPs = VMM processes. Reports with EXPECT_*.
    void expect_consistent();

    // Inside the suite's network namespace.
    static bool link_exists(const std::string& link);
    static std::vector<std::string> links_with_prefix(const std::string& prefix);

    // Where the double's agent writes (its sandbox) for a VM id.
    static std::filesystem::path sandbox_of(const std::string& id);
    static std::filesystem::path api_socket_of(const std::string& id);

    static constexpr std::chrono::seconds kCallTimeout{120};

private:
    static std::filesystem::path root_;
    static Options options_;
    static std::string netns_;
    std::unique_ptr<sdbus::IConnection> connection_;
};

std::string str(const sdbus::Variant& v);
uint32_t u32(const sdbus::Variant& v);
int64_t i64(const sdbus::Variant& v);

}  // namespace minions::test
