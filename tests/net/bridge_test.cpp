#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/subnet.hpp"
#include "net/net.hpp"
#include "net/netns_fixture.hpp"

namespace minions::net {
namespace {

using test::ipv4_addresses;
using test::is_up;

class Bridge : public test::NetnsTest {};

TEST_F(Bridge, IsCreatedUpWithTheGatewayAddress) {
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    EXPECT_TRUE(std::filesystem::exists("/sys/class/net/br-t/bridge"));
    EXPECT_TRUE(is_up("br-t"));
    EXPECT_EQ(ipv4_addresses("br-t"), std::vector<std::string>{"10.77.0.1/24"});
}

TEST_F(Bridge, EnsuringTwiceChangesNothing) {
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    const std::string ifindex = test::sys_attr("br-t", "ifindex");
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    EXPECT_EQ(test::sys_attr("br-t", "ifindex"), ifindex);
    EXPECT_EQ(ipv4_addresses("br-t"), std::vector<std::string>{"10.77.0.1/24"});
}

TEST_F(Bridge, ANewPrefixReplacesTheOldOne) {
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/16"));
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    EXPECT_EQ(ipv4_addresses("br-t"), std::vector<std::string>{"10.77.0.1/24"});
}

TEST_F(Bridge, ALinkOfAnotherKindWithTheNameIsRefused) {
    ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    create_tap("tap-x", "br-t");
    try {
        ensure_bridge("tap-x", Subnet::parse("10.78.0.1/24"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::Internal);
        EXPECT_NE(std::string(e.what()).find("exists and is not a bridge"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace minions::net
