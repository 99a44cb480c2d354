// minions-copy-bench FROM TO: one copy_rootfs call, for bench_rootfs_copy.sh.
#include <cstdio>
#include <exception>

#include "storage/rootfs_copy.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s FROM TO\n", argv[0]);
        return 2;
    }
    try {
        auto method = minions::storage::copy_rootfs(argv[1], argv[2]);
        std::printf("%s\n", method == minions::storage::CopyMethod::Reflink ? "reflink" : "sparse-copy");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "minions-copy-bench: %s\n", e.what());
        return 1;
    }
}
