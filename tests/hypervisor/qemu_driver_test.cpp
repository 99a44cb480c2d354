#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "fake_qmp.hpp"
#include "hypervisor/process.hpp"
#include "hypervisor/qemu_driver.hpp"
#include "test_support.hpp"

using namespace minions;
using namespace minions::hv;
using hvtest::FakeQmp;
using hvtest::QmpAnswer;
using nlohmann::json;

namespace {

// With the kernel and initramfs a launch opens for the VMM.
LaunchSpec spec_in(const std::filesystem::path& dir) {
    hvtest::write_file(dir / "vmlinuz", "kernel");
    hvtest::write_file(dir / "initrd.img", "initrd");
    return hvtest::launch_spec_in(dir);
}

// A "QEMU" that starts but never opens its monitor.
std::filesystem::path silent_qemu(const hvtest::TempDir& dir) {
    auto path = dir / "silent-qemu";
    hvtest::write_file(path, "#!/bin/sh\nexec sleep 30\n");
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
}

}  // namespace

TEST(QemuDriver, CommandLineBootsTheKernelWithVirtioDevicesAndQmp) {
    hvtest::TempDir dir;
    QemuDriver driver("/usr/bin/qemu-system-x86_64", "tcg");
    auto spec = spec_in(dir.path());
    spec.tap = "tap-web";
    auto run = (dir / "run").string();
    std::vector<std::string> expected{
        "/usr/bin/qemu-system-x86_64", "-name", "web", "-accel", "tcg", "-machine", "q35", "-m", "256M", "-smp", "2",
        "-nodefaults", "-no-user-config", "-display", "none",
        // Handed open: the VMM's own user needs no access to the kernel's directory.
        "-kernel", "/proc/self/fd/3", "-initrd", "/proc/self/fd/4",
        "-append", "console=ttyS0 root=/dev/vda rw",
        "-drive", "file=" + (dir / "rootfs.ext4").string() + ",format=raw,if=virtio",
        "-netdev", "tap,id=n0,fd=5",
        "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:03",
        "-device", "virtio-serial-pci",
        "-chardev", "socket,id=agent,path=" + run + "/agent.sock,server=on,wait=off",
        "-device", "virtserialport,chardev=agent,name=org.minions.agent",
        "-chardev", "file,id=serial0,path=" + (dir / "serial.log").string() + ",append=on",
        "-serial", "chardev:serial0",
        "-chardev", "socket,id=qmp,path=" + run + "/qmp.sock,server=on,wait=off",
        "-mon", "chardev=qmp,mode=control",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"};
    EXPECT_EQ(driver.argv(spec), expected);
}

TEST(QemuDriver, CommasInPathsAreEscapedTheQemuWay) {
    EXPECT_EQ(qemu_escape("/a,b/c"), "/a,,b/c");
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    spec.rootfs = "/srv/odd,name.ext4";
    auto argv = QemuDriver("qemu-system-x86_64", "tcg").argv(spec);
    EXPECT_NE(std::find(argv.begin(), argv.end(), "file=/srv/odd,,name.ext4,format=raw,if=virtio"), argv.end());
}

TEST(QemuDriver, AccelerationIsResolvedAndValidated) {
    EXPECT_EQ(resolve_accel("tcg"), "tcg");
    EXPECT_EQ(resolve_accel("kvm"), "kvm");
    auto automatic = resolve_accel("auto");
    EXPECT_TRUE(automatic == "kvm" || automatic == "tcg");
    EXPECT_THROW(resolve_accel("hvf"), Error);
}

TEST(QemuDriver, AgentIsReachedOnTheVirtioSerialSocket) {
    hvtest::TempDir dir;
    auto endpoint = QemuDriver("qemu-system-x86_64", "tcg").agent_endpoint(spec_in(dir.path()));
    EXPECT_EQ(endpoint.transport, agent::Endpoint::Transport::Unix);
    EXPECT_EQ(endpoint.socket, dir / "run" / "agent.sock");
}

TEST(QemuDriver, OperationsMapToQmpCommands) {
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    std::filesystem::create_directories(spec.socket_dir);
    FakeQmp server(spec.socket_dir / "qmp.sock", [](const json& r) { return QmpAnswer{{FakeQmp::reply(r, json::object())}}; });
    QemuDriver driver("qemu-system-x86_64", "tcg");
    driver.reboot(spec);
    driver.power_button(spec);
    driver.pause(spec);
    driver.resume(spec);
    std::vector<std::string> expected{"qmp_capabilities", "system_reset", "qmp_capabilities", "system_powerdown",
                                      "qmp_capabilities", "stop", "qmp_capabilities", "cont"};
    EXPECT_EQ(server.commands(), expected);
}

TEST(QemuDriver, InfoMapsQueryStatusToTheCommonStates) {
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    std::filesystem::create_directories(spec.socket_dir);
    std::string status = "running";
    FakeQmp server(spec.socket_dir / "qmp.sock", [&](const json& r) {
        return QmpAnswer{{FakeQmp::reply(r, {{"status", status}, {"running", status == "running"}})}};
    });
    QemuDriver driver("qemu-system-x86_64", "tcg");
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    status = "paused";
    EXPECT_EQ(driver.info(spec)["state"], "Paused");
    EXPECT_EQ(driver.info(spec)["status"], "paused");
    status = "shutdown";
    EXPECT_EQ(driver.info(spec)["state"], "Shutdown");
    status = "guest-panicked";
    EXPECT_EQ(driver.info(spec)["state"], "Error");
}

TEST(QemuDriver, AQmpErrorBecomesHypervisorFailed) {
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    std::filesystem::create_directories(spec.socket_dir);
    FakeQmp server(spec.socket_dir / "qmp.sock", [](const json& r) { return QmpAnswer{{FakeQmp::error(r, "no reset")}}; });
    try {
        QemuDriver("qemu-system-x86_64", "tcg").reboot(spec);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("no reset"), std::string::npos);
    }
}

TEST(QemuDriver, KillSendsQuitThenSigkillAfterTheGrace) {
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    std::filesystem::create_directories(spec.socket_dir);
    // A "QEMU" that acknowledges quit but does not exit.
    FakeQmp server(spec.socket_dir / "qmp.sock", [](const json& r) { return QmpAnswer{{FakeQmp::reply(r, json::object())}}; });
    auto stubborn = spawn_detached({"/bin/sleep", "60"}, dir / "vmm.log");
    QemuDriver driver("qemu-system-x86_64", "tcg");
    auto start = std::chrono::steady_clock::now();
    driver.kill(spec, stubborn, std::chrono::milliseconds(300));
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
    EXPECT_FALSE(process_alive(stubborn));
    auto commands = server.commands();
    EXPECT_NE(std::find(commands.begin(), commands.end(), "quit"), commands.end());
}

TEST(QemuDriver, KillOfAProcessAlreadyGoneIsANoOp) {
    hvtest::TempDir dir;
    QemuDriver driver("qemu-system-x86_64", "tcg");
    EXPECT_NO_THROW(driver.kill(spec_in(dir.path()), Process{::getpid(), 1}, std::chrono::milliseconds(100)));
}

TEST(QemuDriver, LaunchWithAMissingBinaryFailsClearly) {
    hvtest::TempDir dir;
    QemuDriver driver(dir / "no-qemu", "tcg");
    try {
        driver.launch(spec_in(dir.path()));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
    }
}

TEST(QemuDriver, LaunchHandsOverTheProcessBeforeWaitingForQmp) {
    hvtest::TempDir dir;
    auto spec = spec_in(dir.path());
    QemuDriver driver(silent_qemu(dir), "tcg");
    driver.launch_timeout = std::chrono::milliseconds(300);
    Process spawned;
    bool alive_when_handed_over = false;
    EXPECT_THROW(driver.launch(spec,
                               [&](const Process& p) {
                                   spawned = p;
                                   alive_when_handed_over = process_alive(p);
                               }),
                 Error);
    EXPECT_TRUE(alive_when_handed_over);
    EXPECT_TRUE(wait_gone(spawned, std::chrono::seconds(5))) << "the unanswering VMM is killed";
}

TEST(QemuDriver, AThrowingOnSpawnedKillsTheVmmAndPropagates) {
    hvtest::TempDir dir;
    QemuDriver driver(silent_qemu(dir), "tcg");
    struct RecordFailed {};
    Process spawned;
    EXPECT_THROW(driver.launch(spec_in(dir.path()),
                               [&](const Process& p) {
                                   spawned = p;
                                   throw RecordFailed{};
                               }),
                 RecordFailed);
    EXPECT_GT(spawned.pid, 0);
    EXPECT_FALSE(process_alive(spawned)) << "gone by the time launch throws";
}
