#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "core/error.hpp"
#include "core/subnet.hpp"
#include "net/net.hpp"
#include "net/netns_fixture.hpp"

namespace minions::net {
namespace {

// Removes CAP_NET_ADMIN from the calling process (no libcap needed).
bool drop_net_admin() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    const unsigned bit = 1u << (CAP_NET_ADMIN % 32);
    data[CAP_NET_ADMIN / 32].effective &= ~bit;
    data[CAP_NET_ADMIN / 32].permitted &= ~bit;
    return ::syscall(SYS_capset, &header, data) == 0;
}

// Runs `body` in a child without CAP_NET_ADMIN; returns what it wrote.
template <typename Body>
std::string without_net_admin(Body body) {
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string message = drop_net_admin() ? body() : "capset failed";
        [[maybe_unused]] auto n = ::write(fds[1], message.data(), message.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    return out;
}

class Permission : public test::NetnsTest {};

TEST_F(Permission, CreatingABridgeWithoutCapNetAdminSaysRunAsRoot) {
    const std::string message = without_net_admin([] {
        try {
            ensure_bridge("br-p", Subnet::parse("10.77.0.1/24"));
            return std::string("no error");
        } catch (const Error& e) {
            return std::string(e.code() == Errc::Internal ? "" : "wrong code: ") + e.what();
        }
    });
    EXPECT_EQ(message, "creating bridge br-p: Operation not permitted (run as root)");
}

TEST_F(Permission, CreatingATapWithoutCapNetAdminSaysRunAsRoot) {
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    const std::string message = without_net_admin([] {
        try {
            create_tap("tap-p", "br-t");
            return std::string("no error");
        } catch (const Error& e) {
            return std::string(e.what());
        }
    });
    EXPECT_EQ(message, "creating TAP device tap-p: Operation not permitted (run as root)");
}

}  // namespace
}  // namespace minions::net
