#include "qemu_guest.hpp"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/subnet.hpp"
#include "hypervisor/process.hpp"
#include "net/net.hpp"
#include "storage/rootfs_copy.hpp"

namespace minions::e2e {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

void QemuGuestTest::SetUpTestSuite() {
    // Before any thread exists, and for every child (QEMU, ping) too. The
    // namespace has no name: it disappears with the last process in it.
    if (::geteuid() == 0 && ::unshare(CLONE_NEWNET) != 0) netns_error_ = std::strerror(errno);
}

void QemuGuestTest::SetUp() {
    std::string missing = missing_prerequisite(files_);
    if (!missing.empty()) GTEST_SKIP() << missing;
    ASSERT_TRUE(netns_error_.empty()) << "cannot create a network namespace: " << netns_error_;
    char tmpl[] = "/tmp/minions-e2e-XXXXXX";  // short: socket paths are limited to 108 bytes
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::copy_rootfs(files_.base_image(), dir_ / "rootfs.ext4");
    net::ensure_bridge(layout_.bridge, Subnet::parse(layout_.subnet));
    net::create_tap(layout_.tap, layout_.bridge);

    spec_.vm_id = layout_.vm_id;
    spec_.name = layout_.vm_id;
    spec_.cpus = 1;
    spec_.memory_mb = 256;
    spec_.kernel = files_.kernel();
    spec_.initramfs = files_.initramfs();
    spec_.cmdline = "console=ttyS0 root=/dev/vda rw panic=-1";  // what minionsd passes
    spec_.rootfs = dir_ / "rootfs.ext4";
    spec_.tap = layout_.tap;
    spec_.mac = mac_for_cid(3);
    spec_.cid = 3;
    spec_.socket_dir = dir_ / "run";
    spec_.serial_log = dir_ / "serial.log";
}

void QemuGuestTest::TearDown() {
    if (process_.pid > 0 && hv::process_alive(process_)) {
        hv::kill_hard(process_);
        hv::wait_gone(process_, 5s);
    }
    if (dir_.empty()) return;
    try {
        net::delete_link(layout_.tap);
    } catch (const Error&) {
        // The namespace goes away with this process anyway.
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

agent::Client QemuGuestTest::agent(std::chrono::milliseconds timeout) const {
    return agent::Client(driver_.agent_endpoint(spec_), timeout);
}

std::string QemuGuestTest::console() const { return hv::log_tail(spec_.serial_log, 4096); }

}  // namespace minions::e2e
