#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/subnet.hpp"

namespace minions {
namespace {

// The InvalidArgument message for parsing `cidr`, or "" when it parses.
std::string rejection(std::string_view cidr) {
    try {
        Subnet::parse(cidr);
        return "";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
        return e.what();
    }
}

TEST(Subnet, ParsesGatewayAndPrefix) {
    Subnet s = Subnet::parse("10.0.0.1/16");
    EXPECT_EQ(s.gateway, 0x0a000001u);
    EXPECT_EQ(s.prefix, 16);
    EXPECT_EQ(ipv4_to_string(s.network()), "10.0.0.0");
    EXPECT_EQ(ipv4_to_string(s.broadcast()), "10.0.255.255");
    EXPECT_EQ(ipv4_to_string(s.first_host()), "10.0.0.1");
    EXPECT_EQ(ipv4_to_string(s.last_host()), "10.0.255.254");
}

TEST(Subnet, PrintsAsGatewaySlashPrefix) {
    EXPECT_EQ(Subnet::parse("192.168.7.1/24").to_string(), "192.168.7.1/24");
    EXPECT_EQ(Subnet::parse("192.168.7.1/24").gateway_string(), "192.168.7.1");
}

TEST(Subnet, GatewayMayBeAnyHostAddress) {
    Subnet s = Subnet::parse("10.0.0.5/29");
    EXPECT_EQ(ipv4_to_string(s.network()), "10.0.0.0");
    EXPECT_EQ(ipv4_to_string(s.last_host()), "10.0.0.6");
}

TEST(Subnet, ContainsOnlyItsOwnAddresses) {
    Subnet s = Subnet::parse("10.0.0.1/16");
    EXPECT_TRUE(s.contains(ipv4_from_string("10.0.200.3")));
    EXPECT_FALSE(s.contains(ipv4_from_string("10.1.0.1")));
}

TEST(Subnet, RejectsMissingPrefix) { EXPECT_NE(rejection("10.0.0.1").find("<gateway>/<prefix>"), std::string::npos); }

TEST(Subnet, RejectsPrefixOutsideOneToThirty) {
    for (const char* cidr : {"10.0.0.1/0", "10.0.0.1/31", "10.0.0.1/32", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/x"})
        EXPECT_NE(rejection(cidr).find("from 1 to 30"), std::string::npos) << cidr;
}

TEST(Subnet, RejectsOctetAbove255) { EXPECT_NE(rejection("10.0.0.256/16").find("'256'"), std::string::npos); }

TEST(Subnet, RejectsWrongNumberOfOctets) {
    EXPECT_NE(rejection("10.0.1/16"), "");
    EXPECT_NE(rejection("10.0.0.0.1/16"), "");
}

TEST(Subnet, RejectsLeadingZeros) { EXPECT_NE(rejection("10.0.0.01/16"), ""); }

TEST(Subnet, RejectsSpacesAndSigns) {
    EXPECT_NE(rejection(" 10.0.0.1/16"), "");
    EXPECT_NE(rejection("10.0.0.+1/16"), "");
}

TEST(Subnet, RejectsEmptyText) { EXPECT_NE(rejection(""), ""); }

TEST(Subnet, RejectsGatewayOnNetworkAddress) {
    EXPECT_NE(rejection("10.0.0.0/16").find("network address"), std::string::npos);
}

TEST(Subnet, RejectsGatewayOnBroadcastAddress) {
    EXPECT_NE(rejection("10.0.255.255/16").find("broadcast address"), std::string::npos);
}

TEST(Subnet, ErrorQuotesTheInput) {
    EXPECT_NE(rejection("banana/16").find("Invalid subnet 'banana/16'"), std::string::npos);
}

TEST(Ipv4, RoundTripsThroughText) {
    EXPECT_EQ(ipv4_to_string(ipv4_from_string("172.16.254.3")), "172.16.254.3");
    EXPECT_EQ(ipv4_from_string("0.0.0.0"), 0u);
    EXPECT_EQ(ipv4_from_string("255.255.255.255"), 0xffffffffu);
}

TEST(MacForCid, PutsCidHighAndLowByteLast) { EXPECT_EQ(mac_for_cid(0x1234), "52:54:00:00:12:34"); }

TEST(MacForCid, FirstCidIsThree) { EXPECT_EQ(mac_for_cid(3), "52:54:00:00:00:03"); }

TEST(MacForCid, UsesLowercaseTwoDigitHex) { EXPECT_EQ(mac_for_cid(0xabcd), "52:54:00:00:ab:cd"); }

TEST(MacForCid, LargestStoredCid) { EXPECT_EQ(mac_for_cid(65535), "52:54:00:00:ff:ff"); }

}  // namespace
}  // namespace minions
