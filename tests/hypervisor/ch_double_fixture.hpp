#pragma once
// Runs tests/ch-double the way the driver would (same argv), for the tests
// of the API client, the vsock relay and the driver.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.hpp"
#include "hypervisor/ch_client.hpp"
#include "hypervisor/cloud_hypervisor_driver.hpp"
#include "hypervisor/launch.hpp"
#include "hypervisor/process.hpp"
#include "test_support.hpp"

namespace hvtest {

class ChDoubleTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : {"MINIONS_CH_DOUBLE_FAIL", "MINIONS_CH_DOUBLE_DIE", "MINIONS_CH_DOUBLE_HANG",
                                 "MINIONS_CH_DOUBLE_AGENT", "MINIONS_CH_DOUBLE_AGENT_SOCKET",
                                 "MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON", "MINIONS_CH_DOUBLE_API_DELAY_MS"})
            ::unsetenv(name);
        hvtest::write_file(dir / "vmlinuz", "kernel");
        hvtest::write_file(dir / "initrd.img", "initrd");
        hvtest::write_file(dir / "rootfs.ext4", "rootfs");
        spec = launch_spec_in(dir.path());
    }

    void TearDown() override {
        if (process.pid > 0) {
            minions::hv::kill_hard(process);
            minions::hv::wait_gone(process, std::chrono::seconds(5));
        }
    }

    // Starts the double directly and waits for its API.
    void start_double(std::vector<std::string> extra = {}) {
        std::filesystem::create_directories(spec.socket_dir);
        auto argv = minions::hv::CloudHypervisorDriver(CH_DOUBLE_PATH).argv(spec);
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto files = minions::hv::open_handed_files(spec);
        process = minions::hv::spawn_detached(argv, dir / "vmm.log", {std::nullopt, files.fds()});
        ASSERT_TRUE(eventually([&] {
            try {
                api().ping();
                return true;
            } catch (const minions::Error&) {
                return false;
            }
        })) << read_file(dir / "vmm.log");
    }

    minions::hv::ChClient api(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return minions::hv::ChClient(spec.socket_dir / "api.sock", timeout);
    }

    std::string state() { return api().info().value("state", ""); }

    // Expects a refused call with this HTTP status.
    void expect_status(long status, const std::function<void()>& call) {
        try {
            call();
            ADD_FAILURE() << "expected HTTP " << status;
        } catch (const minions::hv::ChApiError& e) {
            EXPECT_EQ(e.status(), status) << e.what();
            EXPECT_EQ(e.code(), minions::Errc::HypervisorFailed);
        }
    }

    void inject(const std::string& line) { write_file(spec.socket_dir.string() + "/api.sock.faults", line + "\n"); }

    TempDir dir;
    minions::hv::LaunchSpec spec;
    minions::hv::Process process;
};

}  // namespace hvtest
