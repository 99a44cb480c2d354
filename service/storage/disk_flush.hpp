#pragma once
// flush_to_disk() on a thread of its own, so the caller can go on meanwhile
// (booting the VM whose disk is being written back).
#include <filesystem>
#include <future>

#include "storage/rootfs_copy.hpp"

namespace minions::storage {

class DiskFlush {
public:
    explicit DiskFlush(std::filesystem::path file)
        : done_(std::async(std::launch::async, [file = std::move(file)] { flush_to_disk(file); })) {}
    // A future from std::async joins its thread when destroyed; an error nobody
    // waited for is dropped with it.
    ~DiskFlush() = default;
    DiskFlush(const DiskFlush&) = delete;
    DiskFlush& operator=(const DiskFlush&) = delete;

    // Blocks until the file is on disk; rethrows flush_to_disk()'s Error.
    void wait() {
        if (done_.valid()) done_.get();
    }

private:
    std::future<void> done_;
};

}  // namespace minions::storage
