#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/vm.hpp"

namespace minions {
namespace {

Vm sample_vm() {
    Vm vm;
    vm.id = "0123456789abcdef";
    vm.name = "myvm";
    vm.status = VmStatus::Running;
    vm.ip = "10.0.0.2";
    vm.cid = 3;
    vm.mac = "52:54:00:00:00:03";
    vm.cpus = 2;
    vm.memory_mb = 1024;
    vm.pid = 12345;
    vm.hypervisor = "cloud-hypervisor";
    vm.created_at = "2024-05-01T12:00:00Z";
    return vm;
}

TEST(VmStatus, EveryStatusRoundTripsThroughItsName) {
    for (auto s : {VmStatus::Creating, VmStatus::Starting, VmStatus::Running, VmStatus::Restarting,
                   VmStatus::Stopping, VmStatus::Stopped, VmStatus::Error})
        EXPECT_EQ(parse_status(to_string(s)), s);
}

TEST(VmStatus, NamesAreTheSpecsLowercaseWords) {
    EXPECT_EQ(to_string(VmStatus::Restarting), "restarting");
    EXPECT_EQ(to_string(VmStatus::Error), "error");
}

TEST(VmStatus, UnknownTextDoesNotParse) {
    EXPECT_EQ(parse_status("Running"), std::nullopt);
    EXPECT_EQ(parse_status(""), std::nullopt);
    EXPECT_EQ(parse_status("paused"), std::nullopt);
}

TEST(TapName, IsTapDashName) { EXPECT_EQ(tap_name("web"), "tap-web"); }

TEST(TapName, LongestNameFitsTheKernelLimit) { EXPECT_EQ(tap_name("abcdefghijk").size(), 15u); }

TEST(VmJson, CarriesTheSeedKeysWithTheirValues) {
    nlohmann::json j = sample_vm();
    EXPECT_EQ(j["name"], "myvm");
    EXPECT_EQ(j["status"], "running");
    EXPECT_EQ(j["ip"], "10.0.0.2");
    EXPECT_EQ(j["cpus"], 2);
    EXPECT_EQ(j["memory_mb"], 1024);
    EXPECT_EQ(j["pid"], 12345);
}

TEST(VmJson, CarriesTheExtraKeys) {
    nlohmann::json j = sample_vm();
    EXPECT_EQ(j["id"], "0123456789abcdef");
    EXPECT_EQ(j["vsock_cid"], 3);
    EXPECT_EQ(j["mac"], "52:54:00:00:00:03");
    EXPECT_EQ(j["tap"], "tap-myvm");
    EXPECT_EQ(j["hypervisor"], "cloud-hypervisor");
    EXPECT_EQ(j["created_at"], "2024-05-01T12:00:00Z");
    EXPECT_EQ(j.size(), 12u);
}

TEST(VmJson, PidIsNullWhenNotRunning) {
    Vm vm = sample_vm();
    vm.status = VmStatus::Stopped;
    vm.pid = 0;
    nlohmann::json j = vm;
    ASSERT_TRUE(j.contains("pid"));
    EXPECT_TRUE(j["pid"].is_null());
}

}  // namespace
}  // namespace minions
