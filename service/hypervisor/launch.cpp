#include "hypervisor/launch.hpp"

#include <thread>

#include "core/error.hpp"
#include "hypervisor/process.hpp"

namespace minions::hv {

std::filesystem::path vmm_log_path(const LaunchSpec& spec) {
    auto log = spec.serial_log;
    return log.replace_extension(".vmm.log");
}

void prepare_socket_dir(const LaunchSpec& spec, std::initializer_list<const char*> sockets) {
    std::error_code ec;
    std::filesystem::create_directories(spec.socket_dir, ec);
    if (ec)
        throw Error{Errc::HypervisorFailed,
                    "cannot create socket directory " + spec.socket_dir.string() + ": " + ec.message()};
    for (const char* name : sockets) std::filesystem::remove(spec.socket_dir / name, ec);
}

Process spawn_vmm(const std::vector<std::string>& argv, const std::filesystem::path& log,
                  const std::function<void(const Process&)>& on_spawned) {
    auto process = spawn_detached(argv, log);
    if (!on_spawned) return process;
    try {
        on_spawned(process);
    } catch (...) {
        // Nobody will know this VMM: it must not outlive the launch. Gone,
        // not just signalled, so the caller's undo (TAP, sockets) does not
        // race a dying VMM.
        kill_hard(process);
        wait_gone(process, std::chrono::seconds(5));
        throw;
    }
    return process;
}

void wait_ready(const Process& process, const std::filesystem::path& log, std::chrono::milliseconds timeout,
                const std::string& program, const std::function<bool()>& probe) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (!process_alive(process))
            throw Error{Errc::HypervisorFailed,
                        program + " exited during start-up; end of " + log.string() + ":\n" + log_tail(log)};
        if (probe()) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            // A VMM whose API never came up is useless and would hold the TAP.
            kill_hard(process);
            throw Error{Errc::HypervisorFailed, program + " did not answer on its control socket within " +
                                                    std::to_string(timeout.count()) + " ms; end of " +
                                                    log.string() + ":\n" + log_tail(log)};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace minions::hv
