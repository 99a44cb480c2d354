#pragma once
// A throw-away network namespace per test, plus what the tests read back.
#include <gtest/gtest.h>

#include <string>

namespace minions::test {

class NetnsTest : public ::testing::Test {
protected:
    // unshare(CLONE_NEWNET | CLONE_NEWNS) and a sysfs of the new namespace on
    // /sys, so /sys/class/net shows this namespace's links only.
    void SetUp() override;
};

// /sys/class/net/<link>/<attribute>, trimmed; "" when missing.
std::string sys_attr(const std::string& link, const std::string& attribute);
// Name of the link's master (bridge), "" when it has none.
std::string master_of(const std::string& link);
bool is_up(const std::string& link);
// IPv4 addresses of `link` as "a.b.c.d/prefix", from getifaddrs (netlink).
std::vector<std::string> ipv4_addresses(const std::string& link);

}  // namespace minions::test
