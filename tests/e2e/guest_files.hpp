#pragma once
// The guest the e2e tests and the boot benchmark boot: the `guest-image`
// target builds it into the build tree (tests/e2e/CMakeLists.txt).
// $MINIONS_E2E_KERNEL_DIR and $MINIONS_E2E_IMAGE_DIR point elsewhere.
#include <filesystem>
#include <string>

namespace minions::e2e {

struct GuestFiles {
    std::filesystem::path kernel_dir;  // vmlinuz, initrd.img, kernel-release
    std::filesystem::path image_dir;   // base.ext4
    std::filesystem::path kernel() const { return kernel_dir / "vmlinuz"; }
    std::filesystem::path initramfs() const { return kernel_dir / "initrd.img"; }
    std::filesystem::path base_image() const { return image_dir / "base.ext4"; }
};

GuestFiles guest_files();

// Why these tests cannot run here ("" when they can): a missing guest file,
// no qemu-system-x86_64, or not root. Meant for GTEST_SKIP.
std::string missing_prerequisite(const GuestFiles& files);

// The kernel release the image was built with (uname -r in the guest).
std::string kernel_release(const GuestFiles& files);

}  // namespace minions::e2e
