// ch-double: answers like cloud-hypervisor on its API socket and vsock socket
// without running a guest, so the real driver can be tested on a machine
// without Cloud Hypervisor. Flags, endpoints, states and codes come from
// reference/cloud-hypervisor/; faults and the guest agent are set through
// the environment (see faults.hpp and guest_agent.hpp).
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "faults.hpp"
#include "guest_agent.hpp"
#include "http.hpp"
#include "options.hpp"
#include "vm.hpp"
#include "vsock_proxy.hpp"

namespace {

using namespace ch_double;

constexpr const char* kApiPrefix = "/api/v1/";

void serve_connection(int fd, Vm& vm, const Options& options) {
    std::string buffer;
    while (auto request = read_request(fd, buffer)) {
        std::string endpoint = request->path.rfind(kApiPrefix, 0) == 0 ? request->path.substr(std::strlen(kApiPrefix))
                                                                         : request->path;
        switch (fault_for(endpoint, options.api_socket)) {
            case Fault::Die:
                // A crash mid-call: no answer, no cleanup.
                std::fprintf(stderr, "ch-double: dying on %s as asked\n", endpoint.c_str());
                std::_Exit(1);
            case Fault::Hang:
                for (;;) ::pause();
            case Fault::Fail:
                write_response(fd, 500, "\"injected failure on " + endpoint + "\"", request->keep_alive);
                if (!request->keep_alive) return;
                continue;
            case Fault::None:
                break;
        }
        auto reply = vm.handle(request->method, endpoint);
        write_response(fd, reply.status, reply.body, request->keep_alive && !reply.exit_after);
        if (reply.exit_after) {
            vm.terminate();
            std::_Exit(0);
        }
        if (!request->keep_alive) return;
    }
}

int listen_on(const std::filesystem::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof addr.sun_path) return -1;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    // Like cloud-hypervisor, refuse to take over a path that exists.
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd, 64) < 0) return -1;
    return fd;
}

bool check_file(const std::filesystem::path& path, const char* what) {
    if (std::ifstream(path).good()) return true;
    std::fprintf(stderr, "Error booting VM: cannot open %s %s: %s\n", what, path.c_str(), std::strerror(ENOENT));
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "--version" || args[0] == "-V")) {
        std::puts("cloud-hypervisor v0.0.0-ch-double");
        return 0;
    }
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        std::puts("ch-double: a Cloud Hypervisor test double (see tests/ch-double/README.md)");
        return 0;
    }
    Options options;
    try {
        options = parse_options(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s\n\nFor more information, try '--help'.\n", e.message.c_str());
        return 2;
    }
    if (options.kernel && !check_file(*options.kernel, "kernel")) return 1;
    if (!options.initramfs.empty() && !check_file(options.initramfs, "initramfs")) return 1;
    for (const auto& disk : options.disks)
        if (!check_file(disk, "disk image")) return 1;
    ::signal(SIGPIPE, SIG_IGN);
    // A slow VMM start: the API socket appears only after this delay.
    if (const char* delay = std::getenv("MINIONS_CH_DOUBLE_API_DELAY_MS"))
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay)));

    int api = listen_on(options.api_socket);
    if (api < 0) {
        std::fprintf(stderr, "Error: cannot bind API socket %s: %s\n", options.api_socket.c_str(),
                     std::strerror(errno));
        return 1;
    }
    GuestAgent agent(options);
    std::unique_ptr<VsockProxy> proxy;
    if (!options.vsock_socket.empty()) {
        proxy = std::make_unique<VsockProxy>(options.vsock_socket, agent);
        try {
            proxy->start();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "Error: %s\n", e.what());
            return 1;
        }
    }
    Vm vm(options, agent);
    vm.boot_from_cli();

    for (;;) {
        int client = ::accept4(api, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            std::perror("ch-double: accept");
            return 1;
        }
        std::thread([client, &vm, &options] {
            serve_connection(client, vm, options);
            ::close(client);
        }).detach();
    }
}
