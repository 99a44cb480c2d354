// The Cloud Hypervisor driver with ch-double as its "cloud-hypervisor".
#include <sys/socket.h>
#include <sys/un.h>

#include "ch_double_fixture.hpp"

using namespace minions;
using namespace minions::hv;
using hvtest::ChDoubleTest;

class ChDriverTest : public ChDoubleTest {
protected:
    CloudHypervisorDriver driver{CH_DOUBLE_PATH};
};

TEST_F(ChDriverTest, CommandLineIsTheOneTheSpecShows) {
    spec.tap = "tap-web";
    auto run = spec.socket_dir.string();
    std::vector<std::string> expected{CH_DOUBLE_PATH,
                                      "--api-socket", "path=" + run + "/api.sock",
                                      "--kernel", "/proc/self/fd/3",
                                      "--initramfs", "/proc/self/fd/4",
                                      "--cmdline", "console=ttyS0 root=/dev/vda rw",
                                      "--disk", "path=" + spec.rootfs.string(),
                                      "--cpus", "boot=2",
                                      "--memory", "size=256M",
                                      "--net", "fd=5,mac=52:54:00:00:00:03",
                                      "--vsock", "cid=3,socket=" + run + "/vsock.sock",
                                      "--serial", "file=" + spec.serial_log.string(),
                                      "--console", "off"};
    EXPECT_EQ(driver.argv(spec), expected);
}

TEST_F(ChDriverTest, APathWithACommaIsRefused) {
    spec.rootfs = dir / "a,b.ext4";
    try {
        driver.argv(spec);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
    }
}

TEST_F(ChDriverTest, AgentIsReachedOverHybridVsockPort1024) {
    auto endpoint = driver.agent_endpoint(spec);
    EXPECT_EQ(endpoint.transport, agent::Endpoint::Transport::HybridVsock);
    EXPECT_EQ(endpoint.socket, spec.socket_dir / "vsock.sock");
    EXPECT_EQ(endpoint.port, 1024u);
}

TEST_F(ChDriverTest, LaunchReturnsARunningVmInADetachedProcess) {
    process = driver.launch(spec);
    EXPECT_TRUE(process_alive(process));
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    EXPECT_EQ(api().ping()["pid"], process.pid);
}

TEST_F(ChDriverTest, LaunchHandsOverTheProcessBeforeTheApiAnswers) {
    ::setenv("MINIONS_CH_DOUBLE_API_DELAY_MS", "800", 1);
    Process spawned;
    bool api_answered_yet = true;
    auto launched = driver.launch(spec, [&](const Process& p) {
        spawned = process = p;  // recorded first, as the lifecycle does
        EXPECT_TRUE(process_alive(p));
        try {
            api(std::chrono::milliseconds(200)).ping();
        } catch (const Error&) {
            api_answered_yet = false;
        }
    });
    EXPECT_FALSE(api_answered_yet);
    EXPECT_EQ(launched.pid, spawned.pid);
    EXPECT_EQ(launched.start_time, spawned.start_time);
    EXPECT_EQ(api().ping()["pid"], launched.pid);
}

TEST_F(ChDriverTest, AThrowingOnSpawnedKillsTheVmmAndPropagates) {
    struct RecordFailed {};
    Process spawned;
    EXPECT_THROW(driver.launch(spec,
                               [&](const Process& p) {
                                   spawned = process = p;
                                   throw RecordFailed{};
                               }),
                 RecordFailed);
    EXPECT_GT(spawned.pid, 0);
    EXPECT_FALSE(process_alive(spawned)) << "gone by the time launch throws";
}

TEST_F(ChDriverTest, TheConvenienceLaunchWorksThroughTheInterface) {
    Hypervisor& hypervisor = driver;
    process = hypervisor.launch(spec);
    EXPECT_EQ(api().ping()["pid"], process.pid);
}

TEST_F(ChDriverTest, LaunchReplacesStaleSocketsOfADeadVmm) {
    std::filesystem::create_directories(spec.socket_dir);
    hvtest::write_file(spec.socket_dir / "api.sock", "stale");
    hvtest::write_file(spec.socket_dir / "vsock.sock", "stale");
    process = driver.launch(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Running");
}

TEST_F(ChDriverTest, PauseResumeRebootAndInfo) {
    process = driver.launch(spec);
    driver.pause(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Paused");
    driver.resume(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    driver.reboot(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    EXPECT_TRUE(process_alive(process)) << "a reboot stays in the same VMM process";
}

TEST_F(ChDriverTest, PowerButtonLetsTheGuestPowerOff) {
    process = driver.launch(spec);
    driver.power_button(spec);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST_F(ChDriverTest, KillEndsTheVmmThroughTheApi) {
    process = driver.launch(spec);
    auto start = std::chrono::steady_clock::now();
    driver.kill(spec, process, std::chrono::seconds(3));
    EXPECT_FALSE(process_alive(process));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "no need to wait for the grace";
}

TEST_F(ChDriverTest, KillFallsBackToSigkillWhenTheApiHangs) {
    process = driver.launch(spec);
    inject("hang vmm.shutdown");
    driver.kill(spec, process, std::chrono::milliseconds(300));
    EXPECT_FALSE(process_alive(process));
}

TEST_F(ChDriverTest, KillOfAVmmAlreadyGoneIsANoOp) {
    process = driver.launch(spec);
    driver.kill(spec, process);
    EXPECT_NO_THROW(driver.kill(spec, process));
}

TEST_F(ChDriverTest, AFailedRebootIsHypervisorFailedWithTheStatus) {
    process = driver.launch(spec);
    inject("fail vm.reboot");
    try {
        driver.reboot(spec);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
    }
    EXPECT_EQ(driver.info(spec)["state"], "Running");
}

TEST_F(ChDriverTest, AVmmDyingDuringRebootIsHypervisorFailed) {
    process = driver.launch(spec);
    inject("die vm.reboot");
    EXPECT_THROW(driver.reboot(spec), Error);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST_F(ChDriverTest, AHangingRebootTimesOut) {
    process = driver.launch(spec);
    inject("hang vm.reboot");
    driver.call_timeout = std::chrono::milliseconds(300);
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(driver.reboot(spec), Error);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(ChDriverTest, PausingAPausedVmIsRefused) {
    process = driver.launch(spec);
    driver.pause(spec);
    try {
        driver.pause(spec);
        FAIL() << "expected an error";
    } catch (const ChApiError& e) {
        EXPECT_EQ(e.status(), 405);
    }
}

TEST_F(ChDriverTest, AMissingKernelFailsTheLaunchBeforeAnyVmmStarts) {
    std::filesystem::remove(spec.kernel);
    Process spawned;
    try {
        driver.launch(spec, [&](const Process& p) { spawned = p; });
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("cannot open the kernel " + spec.kernel.string()), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(spawned.pid, 0);
}

TEST_F(ChDriverTest, LaunchFailsWithTheVmmsOwnWordsWhenItExitsEarly) {
    std::filesystem::remove(spec.rootfs);
    auto start = std::chrono::steady_clock::now();
    try {
        process = driver.launch(spec);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("Error booting VM"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(ChDriverTest, LaunchGivesUpWhenTheApiNeverAnswers) {
    ::setenv("MINIONS_CH_DOUBLE_HANG", "vmm.ping", 1);
    driver.launch_timeout = std::chrono::milliseconds(800);
    Process spawned;
    EXPECT_THROW(driver.launch(spec, [&](const Process& p) { spawned = process = p; }), Error);
    ::unsetenv("MINIONS_CH_DOUBLE_HANG");
    // on_spawned ran, so whoever recorded the VMM can tell it is gone.
    EXPECT_GT(spawned.pid, 0);
    EXPECT_TRUE(wait_gone(spawned, std::chrono::seconds(5)));
    // The useless VMM was killed, so nothing holds the TAP: its API socket
    // is left behind but nobody accepts on it any more.
    auto socket_dead = [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, (spec.socket_dir / "api.sock").c_str(), sizeof addr.sun_path - 1);
        bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0;
        ::close(fd);
        return refused;
    };
    EXPECT_TRUE(hvtest::eventually(socket_dead));
}

TEST_F(ChDriverTest, LaunchWithAMissingBinaryFailsClearly) {
    CloudHypervisorDriver missing(dir / "no-cloud-hypervisor");
    try {
        missing.launch(spec);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
    }
}
