// Boots a real QEMU (TCG) with a kernel only and drives it over QMP. Needs a
// kernel: $MINIONS_TEST_KERNEL, or /var/lib/minions/kernel/vmlinuz; skipped
// without one. No network, no disk contents, no agent: the guest need not
// get far, QEMU's own state is what is checked.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.hpp"
#include "core/error.hpp"
#include "hypervisor/process.hpp"
#include "hypervisor/qemu_driver.hpp"
#include "test_support.hpp"

using namespace minions;
using namespace minions::hv;

namespace {

std::filesystem::path test_kernel() {
    if (const char* env = std::getenv("MINIONS_TEST_KERNEL")) return env;
    return "/var/lib/minions/kernel/vmlinuz";
}

}  // namespace

TEST(QemuSmoke, BootsWithAKernelAndAnswersQmp) {
    auto kernel = test_kernel();
    if (!std::filesystem::exists(kernel)) GTEST_SKIP() << "no guest kernel at " << kernel;
    if (find_program("qemu-system-x86_64").empty()) GTEST_SKIP() << "qemu-system-x86_64 not installed";
    hvtest::TempDir dir;
    {
        std::ofstream disk(dir / "rootfs.ext4");
    }
    std::filesystem::resize_file(dir / "rootfs.ext4", 16 << 20);
    LaunchSpec spec;
    spec.name = "smoke";
    spec.cpus = 1;
    spec.memory_mb = 256;
    spec.kernel = kernel;
    if (const char* initrd = std::getenv("MINIONS_TEST_INITRD")) spec.initramfs = initrd;
    spec.cmdline = "console=ttyS0 panic=-1";
    spec.rootfs = dir / "rootfs.ext4";
    spec.socket_dir = dir / "run";
    spec.serial_log = dir / "serial.log";

    QemuDriver driver("qemu-system-x86_64", "tcg");
    auto process = driver.launch(spec);
    EXPECT_TRUE(process_alive(process));
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    driver.pause(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Paused");
    driver.resume(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    // The kernel prints to ttyS0 within a few seconds under TCG.
    EXPECT_TRUE(hvtest::eventually([&] { return hvtest::read_file(spec.serial_log).find("Linux") != std::string::npos; },
                                   std::chrono::seconds(30)))
        << hvtest::read_file(spec.serial_log);
    driver.reboot(spec);
    EXPECT_EQ(driver.info(spec)["state"], "Running");
    driver.kill(spec, process, std::chrono::seconds(3));
    EXPECT_FALSE(process_alive(process));
}
