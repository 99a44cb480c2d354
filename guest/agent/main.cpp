// minions-agent: answers the host inside every VM (vsock port 1024 and the
// virtio-serial port "org.minions.agent"), or, in host test mode, on a Unix
// socket (and optionally an inherited stream standing in for the serial port)
// with every action confined to a sandbox directory.
#include <fcntl.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <minions/version.hpp>

#include "calls.hpp"
#include "context.hpp"
#include "freezer.hpp"
#include "listeners.hpp"
#include "protocol/protocol.hpp"
#include "saved_config.hpp"
#include "serve.hpp"
#include "core/unique_fd.hpp"

namespace {

using namespace minions::agent;
using minions::UniqueFd;

constexpr auto kRetry = std::chrono::seconds(1);

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: minions-agent              serve vsock port %u and virtio-serial port %s (in a guest)\n"
                 "       minions-agent --unix-socket PATH --sandbox DIR [--serial-fd N]   host test mode\n"
                 "       minions-agent --version\n",
                 minions::protocol::kAgentVsockPort, minions::protocol::kSerialPortName);
}

// The vsock driver may come up after the agent starts: keep trying quietly.
void serve_vsock(Context& ctx) {
    bool reported = false;
    for (;;) {
        const int fd = listen_vsock(minions::protocol::kAgentVsockPort);
        if (fd >= 0) {
            std::fprintf(stderr, "minions-agent: listening on vsock port %u\n", minions::protocol::kAgentVsockPort);
            accept_forever(fd, ctx);
        }
        if (!reported) std::fprintf(stderr, "minions-agent: vsock unavailable (%s); retrying\n", std::strerror(errno));
        reported = true;
        std::this_thread::sleep_for(kRetry);
    }
}

// The serial port may not exist at all (Cloud Hypervisor): look for it now and then.
void serve_serial_port(Context& ctx) {
    bool reported = false;
    for (;;) {
        if (auto port = find_serial_port(minions::protocol::kSerialPortName)) {
            UniqueFd fd(::open(port->c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
            if (fd.get() >= 0) {
                std::fprintf(stderr, "minions-agent: serving %s\n", port->c_str());
                serve_serial(fd.get(), ctx);
            }
        }
        if (!reported) std::fprintf(stderr, "minions-agent: no virtio-serial port '%s' yet\n", minions::protocol::kSerialPortName);
        reported = true;
        std::this_thread::sleep_for(kRetry * 5);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path, sandbox;
    int serial_fd = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--version") {
            std::printf("minions-agent %s\n", minions::kVersion);
            return 0;
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else if (arg == "--unix-socket" && i + 1 < argc) {
            socket_path = argv[++i];
        } else if (arg == "--sandbox" && i + 1 < argc) {
            sandbox = argv[++i];
        } else if (arg == "--serial-fd" && i + 1 < argc) {
            serial_fd = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "minions-agent: unexpected argument '%s'\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    // A Unix socket means "not in a guest": acting for real would change the host.
    if (socket_path.empty() != sandbox.empty() || (serial_fd >= 0 && sandbox.empty())) {
        std::fprintf(stderr, "minions-agent: --unix-socket and --sandbox go together, --serial-fd needs both\n");
        return 2;
    }

    // Peers vanish mid-answer; that must be an error return, not a signal.
    ::signal(SIGPIPE, SIG_IGN);
    // Started by init, the agent may have no PATH; exec needs one.
    ::setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);

    Context ctx;
    if (!sandbox.empty()) {
        std::error_code ec;
        ctx.sandbox = std::filesystem::canonical(sandbox, ec);
        if (ec || !std::filesystem::is_directory(*ctx.sandbox)) {
            std::fprintf(stderr, "minions-agent: sandbox '%s' is not a directory\n", sandbox.c_str());
            return 2;
        }
    }
    Freezer freezer(ctx);
    ctx.freezer = &freezer;
    Calls calls;
    ctx.calls = &calls;
    restore_saved_config(ctx);

    if (ctx.confined()) {
        try {
            const int fd = listen_unix(socket_path);
            std::fprintf(stderr, "minions-agent: host test mode on %s, sandbox %s\n", socket_path.c_str(),
                         ctx.sandbox->c_str());
            // The tests' stand-in for QEMU's chardev hands over its end of a stream.
            if (serial_fd >= 0) std::thread([serial_fd, &ctx] { serve_serial(serial_fd, ctx); }).detach();
            accept_forever(fd, ctx);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "minions-agent: %s\n", e.what());
            return 1;
        }
    }
    std::thread([&ctx] { serve_vsock(ctx); }).detach();
    serve_serial_port(ctx);
}
