#include <fcntl.h>

#include "ch_double_fixture.hpp"

using namespace minions;
using namespace minions::hv;
using hvtest::ChDoubleTest;

using ChClientTest = ChDoubleTest;

TEST_F(ChClientTest, PingAnswersWithTheVmmVersion) {
    start_double();
    auto ping = api().ping();
    EXPECT_TRUE(ping.contains("version"));
    EXPECT_EQ(ping["pid"], process.pid);
}

TEST_F(ChClientTest, InfoShowsARunningVmAndEchoesItsConfig) {
    start_double({"--net", "tap=tap-web,mac=52:54:00:00:00:03"});
    auto info = api().info();
    EXPECT_EQ(info["state"], "Running");
    EXPECT_EQ(info["config"]["cpus"]["boot_vcpus"], 2);
    EXPECT_EQ(info["config"]["memory"]["size"], 256ull << 20);
    EXPECT_EQ(info["config"]["payload"]["cmdline"], "console=ttyS0 root=/dev/vda rw");
    EXPECT_EQ(info["config"]["disks"][0]["path"], spec.rootfs.string());
    EXPECT_EQ(info["config"]["net"][0]["tap"], "tap-web");
    EXPECT_EQ(info["config"]["net"][0]["mac"], "52:54:00:00:00:03");
    EXPECT_EQ(info["config"]["vsock"]["cid"], 3);
    EXPECT_EQ(info["config"]["vsock"]["socket"], (spec.socket_dir / "vsock.sock").string());
}

TEST_F(ChClientTest, TheSerialLogGetsTheBootMessages) {
    start_double();
    EXPECT_NE(hvtest::read_file(spec.serial_log).find("booting"), std::string::npos);
}

TEST_F(ChClientTest, PauseAndResumeMoveBetweenRunningAndPaused) {
    start_double();
    api().put("vm.pause");
    EXPECT_EQ(state(), "Paused");
    api().put("vm.resume");
    EXPECT_EQ(state(), "Running");
}

TEST_F(ChClientTest, ResumeWhenNotPausedIs405) {
    start_double();
    expect_status(405, [&] { api().put("vm.resume"); });
}

TEST_F(ChClientTest, PauseOrRebootWhenPausedIs405) {
    start_double();
    api().put("vm.pause");
    expect_status(405, [&] { api().put("vm.pause"); });
    expect_status(405, [&] { api().put("vm.reboot"); });
    expect_status(405, [&] { api().put("vm.power-button"); });
}

TEST_F(ChClientTest, RebootKeepsTheVmRunningInTheSameProcess) {
    start_double();
    api().put("vm.reboot");
    EXPECT_EQ(state(), "Running");
    EXPECT_TRUE(process_alive(process));
    EXPECT_NE(hvtest::read_file(spec.serial_log).find("reboot"), std::string::npos);
}

TEST_F(ChClientTest, AfterVmShutdownRebootIs405AndBootStartsItAgain) {
    start_double();
    api().put("vm.shutdown");
    EXPECT_EQ(state(), "Shutdown");
    EXPECT_TRUE(process_alive(process)) << "vm.shutdown stops the guest, not the VMM";
    expect_status(405, [&] { api().put("vm.reboot"); });
    expect_status(405, [&] { api().put("vm.shutdown"); });
    expect_status(405, [&] { api().put("vm.pause"); });
    api().put("vm.boot");
    EXPECT_EQ(state(), "Running");
    expect_status(405, [&] { api().put("vm.boot"); });
}

TEST_F(ChClientTest, PowerButtonPowersTheGuestOffAndTheVmmExits) {
    start_double();
    api().put("vm.power-button");
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    EXPECT_NE(hvtest::read_file(spec.serial_log).find("Power down"), std::string::npos);
}

TEST_F(ChClientTest, AGuestIgnoringThePowerButtonKeepsRunning) {
    ::setenv("MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON", "1", 1);
    start_double();
    ::unsetenv("MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON");
    api().put("vm.power-button");
    EXPECT_FALSE(wait_gone(process, std::chrono::milliseconds(600)));
    EXPECT_EQ(state(), "Running");
}

TEST_F(ChClientTest, VmmShutdownEndsTheProcess) {
    start_double();
    api().put("vmm.shutdown");
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST_F(ChClientTest, UnknownEndpointsAre404AndWrongMethodsAre405) {
    start_double();
    auto unknown = api().request("PUT", "vm.teleport");
    EXPECT_EQ(unknown.status, 404);
    auto wrong = api().request("GET", "vm.reboot");
    EXPECT_EQ(wrong.status, 405);
    expect_status(404, [&] { api().put("vm.teleport"); });
}

TEST_F(ChClientTest, WithoutAKernelTheVmIsNotCreatedAnd404) {
    std::filesystem::create_directories(spec.socket_dir);
    process = spawn_detached({CH_DOUBLE_PATH, "--api-socket", (spec.socket_dir / "api.sock").string()}, dir / "vmm.log");
    ASSERT_TRUE(hvtest::eventually([&] {
        try {
            api().ping();
            return true;
        } catch (const Error&) {
            return false;
        }
    }));
    expect_status(404, [&] { api().info(); });
    expect_status(404, [&] { api().put("vm.reboot"); });
    expect_status(404, [&] { api().put("vm.boot"); });
}

TEST_F(ChClientTest, FailInjectionAnswers500WithABody) {
    start_double();
    inject("fail vm.reboot");
    try {
        api().put("vm.reboot");
        FAIL() << "expected an error";
    } catch (const ChApiError& e) {
        EXPECT_EQ(e.status(), 500);
        EXPECT_NE(std::string(e.what()).find("HTTP 500"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("injected failure"), std::string::npos) << e.what();
    }
    EXPECT_EQ(state(), "Running");
}

TEST_F(ChClientTest, FailInjectionThroughTheEnvironment) {
    ::setenv("MINIONS_CH_DOUBLE_FAIL", "vm.pause,vm.resume", 1);
    start_double();
    ::unsetenv("MINIONS_CH_DOUBLE_FAIL");
    expect_status(500, [&] { api().put("vm.pause"); });
    EXPECT_NO_THROW(api().put("vm.reboot"));
}

TEST_F(ChClientTest, DieInjectionIsATransportErrorAndTheVmmIsGone) {
    start_double();
    inject("die vm.reboot");
    try {
        api().put("vm.reboot");
        FAIL() << "expected an error";
    } catch (const ChApiError& e) {
        FAIL() << "a dead VMM sends no status, got " << e.status();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("vm.reboot"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST_F(ChClientTest, HangInjectionTimesOutWithinTheDeadlineAndOtherCallsStillWork) {
    start_double();
    inject("hang vm.reboot");
    auto start = std::chrono::steady_clock::now();
    try {
        api(std::chrono::milliseconds(300)).put("vm.reboot");
        FAIL() << "expected a timeout";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("did not answer"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(state(), "Running");
}

TEST_F(ChClientTest, AMissingSocketIsATransportError) {
    std::filesystem::create_directories(spec.socket_dir);
    try {
        api().ping();
        FAIL() << "expected an error";
    } catch (const ChApiError&) {
        FAIL() << "no HTTP status without a server";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("api.sock"), std::string::npos) << e.what();
    }
}

TEST_F(ChClientTest, TheDoubleRefusesUnknownFlagsLikeCloudHypervisor) {
    std::filesystem::create_directories(spec.socket_dir);
    process = spawn_detached({CH_DOUBLE_PATH, "--api-socket", (spec.socket_dir / "api.sock").string(), "--gpu", "on"},
                             dir / "vmm.log");
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    EXPECT_NE(hvtest::read_file(dir / "vmm.log").find("unexpected argument '--gpu'"), std::string::npos);
}

// minionsd hands the TAP open (fd=); anything else in its place is refused
// as Cloud Hypervisor refuses it, before the API comes up.
TEST_F(ChClientTest, TheDoubleRefusesANetDescriptorThatIsNoTap) {
    std::filesystem::create_directories(spec.socket_dir);
    minions::UniqueFd not_a_tap(::open("/dev/null", O_RDWR | O_CLOEXEC));
    ASSERT_GE(not_a_tap.get(), 0);
    process = spawn_detached({CH_DOUBLE_PATH, "--api-socket", (spec.socket_dir / "api.sock").string(), "--net",
                              "fd=3,mac=52:54:00:00:00:03"},
                             dir / "vmm.log", {std::nullopt, {not_a_tap.get()}});
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    EXPECT_NE(hvtest::read_file(dir / "vmm.log").find("fd=3 is not an open TAP device"), std::string::npos)
        << hvtest::read_file(dir / "vmm.log");
}
