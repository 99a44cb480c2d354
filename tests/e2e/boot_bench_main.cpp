// minions-boot-bench: how long the guest takes to boot under QEMU, raw and
// through minions, in the same run (tests/e2e/bench_boot.sh runs it).
//   raw      QEMU started by hand with exactly the driver's argv; the clock
//            stops when the serial console shows the end of the guest's rcS
//            (busybox init's sysinit, just before it starts the agent).
//   minions  QemuDriver::launch (spawn, QMP answers) + agent::Client::wait_ready
//            (the agent answers health over virtio-serial): the boot part of
//            `minions create`, without the rootfs copy and guest set-up. The
//            console of the same boot is watched too, so "init to agent
//            ready" is the agent's own share, free of boot-to-boot spread.
// Runs alternate which kind goes first; every boot gets a fresh rootfs copy,
// made before its clock starts. Everything happens in a network namespace
// this program creates, with a bridge and TAP like minionsd's.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_client.hpp"
#include "core/error.hpp"
#include "core/subnet.hpp"
#include "guest_files.hpp"
#include "hypervisor/launch.hpp"
#include "hypervisor/process.hpp"
#include "hypervisor/qemu_driver.hpp"
#include "net/net.hpp"
#include "storage/rootfs_copy.hpp"

namespace {
namespace fs = std::filesystem;
using namespace minions;
using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr const char* kInitDone = "minions guest: rcS done";  // guest/image/rcS
constexpr auto kBootTimeout = std::chrono::seconds(120);

struct Options {
    int runs = 5;
    uint32_t cpus = 1;
    uint32_t memory_mb = 256;
};

struct Sample {
    double raw_s = 0;         // QEMU start -> rcS done on the console
    double launch_s = 0;      // minions: QEMU start -> QMP answers (launch returns)
    double init_s = 0;        // minions: QEMU start -> rcS done on the console (same boot)
    double agent_ready_s = 0; // minions: QEMU start -> agent answers health
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class Bench {
public:
    Bench(const Options& options, fs::path dir) : options_(options), dir_(std::move(dir)) {}

    double raw_boot() {
        hv::LaunchSpec spec = fresh_spec();
        auto argv = driver_.argv(spec);
        fs::create_directories(spec.socket_dir);
        auto start = Clock::now();
        auto files = hv::open_handed_files(spec);
        hv::Process qemu = hv::spawn_detached(argv, dir_ / "raw-qemu.log", {std::nullopt, files.fds()});
        while (read_file(spec.serial_log).find(kInitDone) == std::string::npos) {
            if (Clock::now() - start > kBootTimeout || !hv::process_alive(qemu)) {
                end(qemu);
                throw Error(Errc::Timeout, "raw QEMU never reached init: " + hv::log_tail(spec.serial_log));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        double elapsed = Seconds(Clock::now() - start).count();
        end(qemu);
        return elapsed;
    }

    void minions_boot(Sample& sample) {
        hv::LaunchSpec spec = fresh_spec();
        std::atomic<bool> done = false;
        auto start = Clock::now();
        // The same boot's rcS line, so the agent's own share is measured
        // without the boot-to-boot spread of a shared machine.
        std::thread console([&] {
            while (!done && read_file(spec.serial_log).find(kInitDone) == std::string::npos)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            if (!done) sample.init_s = Seconds(Clock::now() - start).count();
        });
        try {
            hv::Process qemu = driver_.launch(spec);
            sample.launch_s = Seconds(Clock::now() - start).count();
            agent::Client(driver_.agent_endpoint(spec)).wait_ready(kBootTimeout);
            sample.agent_ready_s = Seconds(Clock::now() - start).count();
            end(qemu);
        } catch (...) {
            done = true;
            console.join();
            throw;
        }
        done = true;
        console.join();
    }

private:
    hv::LaunchSpec fresh_spec() {
        fs::remove_all(dir_ / "vm");
        fs::create_directories(dir_ / "vm");
        hv::LaunchSpec spec;
        spec.vm_id = spec.name = "bench";
        spec.cpus = options_.cpus;
        spec.memory_mb = options_.memory_mb;
        spec.kernel = files_.kernel();
        spec.initramfs = files_.initramfs();
        spec.cmdline = "console=ttyS0 root=/dev/vda rw panic=-1";  // what minionsd passes
        spec.rootfs = dir_ / "vm" / "rootfs.ext4";
        spec.tap = "tap-bench";
        spec.mac = mac_for_cid(3);
        spec.cid = 3;
        spec.socket_dir = dir_ / "vm" / "run";
        spec.serial_log = dir_ / "vm" / "serial.log";
        storage::copy_rootfs(files_.base_image(), spec.rootfs);
        return spec;
    }

    // Not measured: SIGKILL, so no run waits for the previous guest's shutdown.
    static void end(const hv::Process& qemu) {
        hv::kill_hard(qemu);
        hv::wait_gone(qemu, std::chrono::seconds(10));
    }

    Options options_;
    fs::path dir_;
    e2e::GuestFiles files_ = e2e::guest_files();
    hv::QemuDriver driver_{"qemu-system-x86_64", "tcg"};
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void print_summary(const char* what, const std::vector<double>& values) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    std::cout << std::left << std::setw(34) << what << std::right << " median " << std::setw(6) << median(values)
              << " s  min " << std::setw(6) << *lo << " s  max " << std::setw(6) << *hi << " s\n";
}

int usage(const char* error) {
    if (error) std::cerr << "minions-boot-bench: " << error << "\n";
    std::cerr << "usage: minions-boot-bench [--runs N] [--cpus N] [--memory MiB]\n"
                 "  guest from $MINIONS_E2E_KERNEL_DIR / $MINIONS_E2E_IMAGE_DIR, else the build tree's guest-image\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") return usage(nullptr);
        if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
        unsigned long value = 0;
        try {
            value = std::stoul(argv[++i]);
        } catch (const std::exception&) {
            return usage(("not a number after " + arg).c_str());
        }
        if (arg == "--runs") options.runs = static_cast<int>(value);
        else if (arg == "--cpus") options.cpus = static_cast<uint32_t>(value);
        else if (arg == "--memory") options.memory_mb = static_cast<uint32_t>(value);
        else return usage(("unknown option " + arg).c_str());
    }
    std::string missing = e2e::missing_prerequisite(e2e::guest_files());
    if (!missing.empty()) return usage(missing.c_str());
    // The bridge, the TAP and every QEMU live in a namespace of our own, gone when we exit.
    if (::unshare(CLONE_NEWNET) != 0) {
        std::cerr << "minions-boot-bench: cannot create a network namespace: " << std::strerror(errno) << "\n";
        return 1;
    }
    char tmpl[] = "/tmp/minions-bench-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    int status = 0;
    try {
        net::ensure_bridge("mbr0", Subnet::parse("10.77.0.1/24"));
        net::create_tap("tap-bench", "mbr0");
        Bench bench(options, dir);
        std::vector<double> raw, launch, init, ready, agent_share;
        std::cout << std::fixed << std::setprecision(2) << "guest: " << e2e::kernel_release(e2e::guest_files())
                  << ", " << options.cpus << " vCPU, " << options.memory_mb << " MiB, TCG, " << options.runs
                  << " runs\nrun  raw: init   minions: QMP    init   agent ready\n";
        for (int run = 0; run < options.runs; ++run) {
            Sample sample;
            if (run % 2 == 0) {
                sample.raw_s = bench.raw_boot();
                bench.minions_boot(sample);
            } else {
                bench.minions_boot(sample);
                sample.raw_s = bench.raw_boot();
            }
            raw.push_back(sample.raw_s);
            launch.push_back(sample.launch_s);
            ready.push_back(sample.agent_ready_s);
            init.push_back(sample.init_s);
            agent_share.push_back(sample.agent_ready_s - sample.init_s);
            std::cout << std::setw(3) << run + 1 << std::setw(9) << sample.raw_s << " s" << std::setw(12)
                      << sample.launch_s << " s" << std::setw(7) << sample.init_s << " s" << std::setw(11)
                      << sample.agent_ready_s << " s\n";
        }
        print_summary("raw QEMU, start to init (rcS)", raw);
        print_summary("minions, start to QMP ready", launch);
        print_summary("minions, start to init (rcS)", init);
        print_summary("minions, start to agent ready", ready);
        print_summary("minions, init to agent ready", agent_share);
        std::cout << "overhead of the medians: " << median(ready) - median(raw) << " s ("
                  << std::setprecision(0) << 100 * (median(ready) / median(raw) - 1) << " %)\n";
    } catch (const std::exception& e) {
        std::cerr << "minions-boot-bench: " << e.what() << "\n";
        status = 1;
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return status;
}
