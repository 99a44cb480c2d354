#include "guest_files.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "hypervisor/process.hpp"

namespace minions::e2e {
namespace fs = std::filesystem;

namespace {

fs::path from_env(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value && *value ? fs::path(value) : fs::path(fallback);
}

}  // namespace

GuestFiles guest_files() {
    return {from_env("MINIONS_E2E_KERNEL_DIR", MINIONS_GUEST_KERNEL_DIR),
            from_env("MINIONS_E2E_IMAGE_DIR", MINIONS_GUEST_IMAGE_DIR)};
}

std::string missing_prerequisite(const GuestFiles& files) {
    if (::geteuid() != 0) return "needs root (network namespaces, TAP devices)";
    for (const fs::path& file : {files.kernel(), files.initramfs(), files.base_image()})
        if (!fs::exists(file)) return "no " + file.string() + "; build it: cmake --build <build dir> --target guest-image";
    if (hv::find_program("qemu-system-x86_64").empty()) return "qemu-system-x86_64 is not installed (scripts/deps.sh)";
    return "";
}

std::string kernel_release(const GuestFiles& files) {
    std::ifstream in(files.kernel_dir / "kernel-release");
    std::string release;
    std::getline(in, release);
    return release;
}

}  // namespace minions::e2e
