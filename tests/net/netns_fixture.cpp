#include "net/netns_fixture.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace minions::test {

void NetnsTest::SetUp() {
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
        GTEST_SKIP() << "needs root to create a network namespace: " << std::strerror(errno);
    // Mounts below stay in this test's mount namespace.
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << std::strerror(errno);
    ASSERT_EQ(::mount("sysfs", "/sys", "sysfs", 0, nullptr), 0) << std::strerror(errno);
}

std::string sys_attr(const std::string& link, const std::string& attribute) {
    std::ifstream in("/sys/class/net/" + link + "/" + attribute);
    std::string value;
    std::getline(in, value);
    return value;
}

std::string master_of(const std::string& link) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink("/sys/class/net/" + link + "/master", ec);
    return ec ? "" : target.filename().string();
}

bool is_up(const std::string& link) {
    const std::string flags = sys_attr(link, "flags");
    return !flags.empty() && (std::stoul(flags, nullptr, 16) & IFF_UP) != 0;
}

std::vector<std::string> ipv4_addresses(const std::string& link) {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || link != a->ifa_name) continue;
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
        const uint32_t mask = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
        out.push_back(std::string(text) + "/" + std::to_string(std::popcount(mask)));
    }
    ::freeifaddrs(list);
    return out;
}

}  // namespace minions::test
