// minionsd: owns org.minions.Manager on the system bus (or the bus named by
// DBUS_SYSTEM_BUS_ADDRESS) and every VM's lifecycle. Runs under systemd
// (Type=dbus, sd_notify readiness) and without it alike.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-daemon.h>

#include "bus/manager_object.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/store.hpp"
#include "hypervisor/hypervisor.hpp"
#include "lifecycle/log.hpp"
#include "lifecycle/manager.hpp"
#include "lifecycle/vmm_user.hpp"
#include "minions/version.hpp"
#include "net/net.hpp"
#include "polkit/authority.hpp"

namespace {
namespace fs = std::filesystem;
using namespace minions;

constexpr const char* kDefaultConfig = "/etc/minions/minionsd.conf";

Config load_config(const std::string& path, bool explicit_path) {
    if (!explicit_path && !fs::exists(path)) return Config{};
    return Config::load(path);
}

// Signals are blocked in every thread and taken by one waiter, which shuts
// the daemon down: the daemon exits and leaves its VMs running.
sigset_t block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

// Operations running at SIGTERM get this long to finish or roll back.
constexpr auto kShutdownBound = std::chrono::seconds(60);

int run(const Config& config) {
    // What minionsd.service sets, also when started otherwise: the database,
    // VM directories and logs are nobody else's to read.
    ::umask(0077);
    sigset_t signals = block_termination_signals();
    if (!config.netns.empty()) net::enter_netns(config.netns);
    for (const fs::path& dir : {config.state_dir, config.vms_dir, config.run_dir}) fs::create_directories(dir);
    lifecycle::let_vmms_through(config);
    net::ensure_bridge(config.bridge, config.subnet);

    Store store(config.state_db());
    auto hypervisor = hv::make_hypervisor(config);
    lifecycle::Manager manager(config, store, *hypervisor);
    manager.reconcile();

    auto connection = sdbus::createSystemBusConnection();
    Authority authority(config.auth_timeout);
    bus::WorkerPool pool(16);
    auto root = std::make_unique<bus::ManagerObject>(*connection, bus::Context{manager, authority, pool});
    for (const Vm& vm : manager.list()) root->vm_added(vm);
    manager.set_observer(root.get());
    connection->requestName(bus::kBusName);

    std::atomic<bool> stopping = false;
    std::thread supervisor([&] { manager.supervise(stopping); });
    // Shutdown, in the order that leaves no call unanswered and nothing in
    // use after it is freed: refuse what comes (Unavailable), cancel pending
    // polkit checks, let running operations finish or roll back while the bus
    // loop still carries their replies and signals, then leave the loop.
    std::thread signal_waiter([&] {
        int signal = 0;
        sigwait(&signals, &signal);
        if (!stopping.exchange(true))
            log_info(std::string("received ") + strsignal(signal) + "; finishing running operations, VMs keep running");
        sd_notify(0, "STOPPING=1");
        Authority::shutdown();
        if (!pool.drain(kShutdownBound)) {
            // Like a crash at that point: the next start's reconcile() finishes
            // or rolls back what is left.
            log_error("operations still running after " + std::to_string(kShutdownBound.count()) +
                      " s; exiting without them");
            std::_Exit(EXIT_FAILURE);
        }
        connection->leaveEventLoop();
    });

    log_info(std::string("minionsd ") + kVersion + " ready: " + std::string(hypervisor->kind()) + ", bridge " +
             config.bridge + " " + config.subnet.to_string() +
             (config.netns.empty() ? "" : ", network namespace " + config.netns));
    sd_notify(0, "READY=1");
    connection->enterEventLoop();
    // The loop also ends when the bus goes away: shut down the same way.
    if (!stopping.exchange(true)) pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
    supervisor.join();
    manager.set_observer(nullptr);
    root.reset();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"minionsd: the minions VM manager service"};
    std::string config_path = kDefaultConfig;
    bool version = false;
    app.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
    app.add_flag("--version", version, "Print the version and exit");
    CLI11_PARSE(app, argc, argv);
    if (version) {
        std::cout << "minionsd " << kVersion << "\n";
        return 0;
    }
    try {
        return run(load_config(config_path, app.count("--config") > 0));
    } catch (const std::exception& e) {
        log_error(std::string("minionsd: ") + e.what());
        return 1;
    }
}
