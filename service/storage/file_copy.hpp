#pragma once
// The byte-moving steps of copy_rootfs, between two open descriptors. Each
// throws Error{Internal} whose message starts with `what` (the file names).
#include <string>

namespace minions::storage::detail {

// FICLONE: true when the filesystem shared the blocks (btrfs, XFS with reflink).
bool try_reflink(int from_fd, int to_fd);

// Copies only the data extents of `from_fd` (SEEK_DATA/SEEK_HOLE) to the same
// offsets of `to_fd` with copy_file_range, or read/write where the kernel
// cannot (different filesystems). The caller sets the final size.
void copy_data_extents(int from_fd, int to_fd, const std::string& what);

}  // namespace minions::storage::detail
