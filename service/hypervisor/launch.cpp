#include "hypervisor/launch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "hypervisor/process.hpp"
#include "net/net.hpp"

namespace minions::hv {

std::filesystem::path vmm_log_path(const LaunchSpec& spec) {
    auto log = spec.serial_log;
    return log.replace_extension(".vmm.log");
}

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
    throw Error{Errc::HypervisorFailed, what + ": " + std::strerror(err)};
}

// Gives `path` to the VMM's user with `mode`; `create` makes a missing file.
// Through a descriptor opened without following symlinks: the user owned
// this directory before (an earlier boot), and a VMM that was taken over
// could have left a link to a host file in its place.
void hand_over(const std::filesystem::path& path, const Credentials& as, mode_t mode, bool create = false) {
    int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (create ? O_CREAT : 0);
    UniqueFd fd(::open(path.c_str(), flags, mode));
    if (fd.get() < 0) fail("cannot open " + path.string() + " to give it to the VM's user", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) fail("cannot inspect " + path.string(), errno);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        throw Error{Errc::HypervisorFailed, path.string() + " is neither a file nor a directory"};
    if (::fchown(fd.get(), as.uid, as.gid) < 0) fail("cannot give " + path.string() + " to the VM's user", errno);
    if (::fchmod(fd.get(), mode) < 0) fail("cannot set the mode of " + path.string(), errno);
}

UniqueFd open_read_only(const std::filesystem::path& path, const char* what) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail(std::string("cannot open the ") + what + " " + path.string(), errno);
    return fd;
}

}  // namespace

void prepare_vm_files(const LaunchSpec& spec, std::initializer_list<const char*> sockets) {
    std::error_code ec;
    std::filesystem::create_directories(spec.socket_dir, ec);
    if (ec)
        throw Error{Errc::HypervisorFailed,
                    "cannot create socket directory " + spec.socket_dir.string() + ": " + ec.message()};
    for (const char* name : sockets) std::filesystem::remove(spec.socket_dir / name, ec);
    if (!spec.as) return;
    hand_over(spec.socket_dir, *spec.as, 0700);
    hand_over(spec.rootfs.parent_path(), *spec.as, 0700);
    hand_over(spec.rootfs, *spec.as, 0600);
    hand_over(spec.serial_log, *spec.as, 0600, true);
}

HandedFiles open_handed_files(const LaunchSpec& spec) {
    HandedFiles files;
    files.kernel = open_read_only(spec.kernel, "kernel");
    if (!spec.initramfs.empty()) files.initramfs = open_read_only(spec.initramfs, "initramfs");
    if (!spec.tap.empty()) files.tap = net::open_tap(spec.tap);
    return files;
}

Process spawn_vmm(const std::vector<std::string>& argv, const LaunchSpec& spec, const HandedFiles& files,
                  const std::function<void(const Process&)>& on_spawned) {
    auto process = spawn_detached(argv, vmm_log_path(spec), SpawnOptions{spec.as, files.fds()});
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
