#include "listeners.hpp"

#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "serve.hpp"
#include "core/unique_fd.hpp"

namespace minions::agent {

int listen_unix(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof addr.sun_path) {
        throw std::runtime_error("socket path '" + path.string() + "' is too long");
    }
    std::strcpy(addr.sun_path, path.c_str());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 64) != 0) {
        throw std::runtime_error("cannot listen on '" + path.string() + "': " + std::strerror(errno));
    }
    return fd.release();
}

int listen_vsock(uint32_t port) {
    sockaddr_vm addr{};
    addr.svm_family = AF_VSOCK;
    addr.svm_cid = VMADDR_CID_ANY;
    addr.svm_port = port;
    UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return -1;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 64) != 0) return -1;
    return fd.release();
}

std::optional<std::filesystem::path> find_serial_port(const std::string& name) {
    // No udev in the guest, so no /dev/virtio-ports/<name> symlink: ask sysfs.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/class/virtio-ports", ec)) {
        std::ifstream in(entry.path() / "name");
        std::string port_name;
        std::getline(in, port_name);
        if (port_name == name) return std::filesystem::path("/dev") / entry.path().filename();
    }
    return std::nullopt;
}

void accept_forever(int listen_fd, Context& ctx) {
    std::mutex mutex;
    std::condition_variable slot_free;
    int active = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex);
            slot_free.wait(lock, [&] { return active < kMaxConnections; });
        }
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED) {
                std::fprintf(stderr, "minions-agent: accept: %s\n", std::strerror(errno));
                std::this_thread::sleep_for(std::chrono::milliseconds(100));  // e.g. EMFILE: do not spin
            }
            continue;
        }
        {
            std::lock_guard lock(mutex);
            ++active;
        }
        // The loop never returns, so the locals outlive every connection thread.
        std::thread([fd, &ctx, &mutex, &slot_free, &active] {
            serve_connection(fd, ctx);
            ::close(fd);
            std::lock_guard lock(mutex);
            --active;
            slot_free.notify_one();
        }).detach();
    }
}

}  // namespace minions::agent
