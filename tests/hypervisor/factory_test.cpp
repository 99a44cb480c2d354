#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "hypervisor/hypervisor.hpp"

using namespace minions;
using namespace minions::hv;

TEST(MakeHypervisor, NamesTheDriverExplicitly) {
    Config config;
    config.accel = "tcg";
    config.hypervisor = "qemu";
    EXPECT_EQ(make_hypervisor(config)->kind(), "qemu");
    config.hypervisor = "cloud-hypervisor";
    EXPECT_EQ(make_hypervisor(config)->kind(), "cloud-hypervisor");
}

TEST(MakeHypervisor, AutoPrefersCloudHypervisorWhenItsBinaryExists) {
    Config config;
    config.accel = "tcg";
    config.hypervisor = "auto";
    config.cloud_hypervisor_binary = CH_DOUBLE_PATH;
    EXPECT_EQ(make_hypervisor(config)->kind(), "cloud-hypervisor");
}

TEST(MakeHypervisor, AutoFallsBackToQemuWithoutCloudHypervisor) {
    Config config;
    config.accel = "tcg";
    config.hypervisor = "auto";
    config.cloud_hypervisor_binary = "/nonexistent/cloud-hypervisor";
    EXPECT_EQ(make_hypervisor(config)->kind(), "qemu");
    config.cloud_hypervisor_binary = "no-such-cloud-hypervisor-on-path";
    EXPECT_EQ(make_hypervisor(config)->kind(), "qemu");
}

TEST(MakeHypervisor, AnUnknownNameIsInvalidArgument) {
    Config config;
    config.hypervisor = "xen";
    try {
        make_hypervisor(config);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("xen"), std::string::npos);
    }
}

TEST(MakeHypervisor, AnUnknownAccelerationIsInvalidArgument) {
    Config config;
    config.hypervisor = "qemu";
    config.accel = "whpx";
    try {
        make_hypervisor(config);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
    }
}
