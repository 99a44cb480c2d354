#include "vm.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace ch_double {
namespace {

Reply error(int status, const std::string& message) { return {status, nlohmann::json(message).dump(), false}; }

std::chrono::milliseconds env_ms(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return std::chrono::milliseconds(value ? std::atoi(value) : fallback);
}

}  // namespace

Vm::Vm(const Options& options, GuestAgent& agent) : options_(options), agent_(agent) {
    created_ = options_.kernel.has_value();
}

void Vm::serial(const std::string& line) const {
    if (options_.serial_mode != "file") return;
    std::ofstream out(options_.serial_file, std::ios::app);
    out << "[ch-double] " << line << "\n";
}

nlohmann::json Vm::config() const {
    nlohmann::json disks = nlohmann::json::array();
    for (const auto& d : options_.disks) disks.push_back({{"path", d.string()}});
    nlohmann::json nets = nlohmann::json::array();
    if (!options_.nets.empty()) {
        nlohmann::json net{{"tap", options_.net_tap}, {"mac", options_.net_mac}};
        // Cloud Hypervisor never shows descriptor numbers, only how many.
        if (options_.net_fd) net["fds"] = {-1};
        nets.push_back(net);
    }
    nlohmann::json cfg{
        {"cpus", {{"boot_vcpus", options_.boot_vcpus}, {"max_vcpus", options_.boot_vcpus}}},
        {"memory", {{"size", options_.memory_bytes}}},
        {"payload",
         {{"kernel", options_.kernel ? options_.kernel->string() : ""},
          {"initramfs", options_.initramfs.string()},
          {"cmdline", options_.cmdline}}},
        {"disks", disks},
        {"net", nets},
        {"serial", {{"mode", options_.serial_mode == "file" ? "File" : "Null"}, {"file", options_.serial_file.string()}}},
        {"console", {{"mode", options_.console_mode == "off" ? "Off" : "Tty"}}},
    };
    if (options_.vsock_cid) cfg["vsock"] = {{"cid", *options_.vsock_cid}, {"socket", options_.vsock_socket.string()}};
    return cfg;
}

void Vm::boot_from_cli() {
    if (created_) boot();
}

Reply Vm::handle(const std::string& method, const std::string& endpoint) {
    const bool is_get = endpoint == "vmm.ping" || endpoint == "vm.info";
    static const char* known[] = {"vmm.ping", "vm.info", "vm.boot", "vm.reboot", "vm.power-button",
                                  "vm.shutdown", "vmm.shutdown", "vm.pause", "vm.resume"};
    bool found = false;
    for (const char* k : known) found = found || endpoint == k;
    if (!found) return error(404, "no such endpoint: " + endpoint);
    if (method != (is_get ? "GET" : "PUT")) return error(405, method + " is not allowed on " + endpoint);

    if (endpoint == "vmm.ping") return ping();
    if (endpoint == "vmm.shutdown") return {204, "", true};
    std::lock_guard lock(mutex_);
    if (!created_) return error(404, "the VM is not created");
    if (endpoint == "vm.info") return info();
    if (endpoint == "vm.boot") return boot();
    if (endpoint == "vm.reboot") return reboot();
    if (endpoint == "vm.power-button") return power_button();
    if (endpoint == "vm.shutdown") return shutdown();
    if (endpoint == "vm.pause") return pause();
    return resume();
}

Reply Vm::ping() const {
    nlohmann::json body{{"build_version", "ch-double"},
                        {"version", "v0.0.0-ch-double"},
                        {"pid", static_cast<int64_t>(::getpid())},
                        {"features", nlohmann::json::array()}};
    return {200, body.dump(), false};
}

Reply Vm::info() const {
    nlohmann::json body{{"config", config()}, {"state", state_}, {"memory_actual_size", options_.memory_bytes}};
    return {200, body.dump(), false};
}

Reply Vm::boot() {
    if (state_ == "Running" || state_ == "Paused") return error(405, "the VM is already booted");
    state_ = "Running";
    unsigned boot = ++boots_;
    serial("booting " + (options_.kernel ? options_.kernel->string() : "") + " cmdline: " + options_.cmdline);
    // MINIONS_CH_DOUBLE_BOOT_MS: how long the guest takes to boot before its agent answers.
    auto delay = env_ms("MINIONS_CH_DOUBLE_BOOT_MS", 0);
    if (delay.count() == 0) {
        agent_.start();
        if (!agent_.target().empty()) serial("guest agent up");
        return {};
    }
    std::thread([this, boot, delay] {
        std::this_thread::sleep_for(delay);
        {
            std::lock_guard lock(mutex_);
            if (boots_ != boot || state_ != "Running") return;
        }
        agent_.start();
        serial("guest agent up");
    }).detach();
    return {};
}

Reply Vm::reboot() {
    if (state_ != "Running") return error(405, "the VM is not booted (state " + state_ + ")");
    // A hard reset: the guest (and its agent) is gone at once and comes back
    // after a "boot" that takes MINIONS_CH_DOUBLE_REBOOT_MS (default 500).
    agent_.stop();
    unsigned boot = ++boots_;
    serial("reboot: Restarting system");
    auto delay = env_ms("MINIONS_CH_DOUBLE_REBOOT_MS", 500);
    std::thread([this, boot, delay] {
        std::this_thread::sleep_for(delay);
        {
            std::lock_guard lock(mutex_);
            if (boots_ != boot || state_ != "Running") return;
        }
        agent_.start();
        serial("rebooted");
    }).detach();
    return {};
}

Reply Vm::power_button() {
    if (state_ != "Running") return error(405, "the VM is not booted (state " + state_ + ")");
    serial("ACPI: power button pressed");
    // MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON=1: a guest that ignores ACPI,
    // for tests of the forced stop.
    if (std::getenv("MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON")) return {};
    // The guest powers off shortly after, and Cloud Hypervisor exits with it.
    std::thread([this] {
        std::this_thread::sleep_for(env_ms("MINIONS_CH_DOUBLE_POWEROFF_MS", 200));
        std::lock_guard lock(mutex_);
        state_ = "Shutdown";
        serial("reboot: Power down");
        terminate();
        std::_Exit(0);
    }).detach();
    return {};
}

Reply Vm::shutdown() {
    if (state_ != "Running" && state_ != "Paused") return error(405, "the VM is not booted (state " + state_ + ")");
    agent_.stop();
    state_ = "Shutdown";
    serial("VM shut down through the API");
    return {};
}

Reply Vm::pause() {
    if (state_ != "Running") return error(405, "the VM is not running (state " + state_ + ")");
    agent_.freeze();
    state_ = "Paused";
    return {};
}

Reply Vm::resume() {
    if (state_ != "Paused") return error(405, "the VM is not paused (state " + state_ + ")");
    agent_.thaw();
    state_ = "Running";
    return {};
}

void Vm::terminate() {
    agent_.stop();
    std::error_code ec;
    std::filesystem::remove(options_.api_socket, ec);
    if (!options_.vsock_socket.empty()) std::filesystem::remove(options_.vsock_socket, ec);
}

}  // namespace ch_double
