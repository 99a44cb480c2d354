#pragma once
// Copies a VM's root disk. Tries FICLONE (a reflink: instant, shares blocks),
// otherwise copies only the data extents (SEEK_DATA/SEEK_HOLE + copy_file_range)
// so holes stay holes. Writes to a temporary name beside `to` and renames it
// into place after fsync: an interrupted copy never leaves a half file at `to`.
#include <filesystem>

namespace minions::storage {

enum class CopyMethod { Reflink, SparseCopy };

// Throws Error{Internal} naming the file and the failing step.
CopyMethod copy_rootfs(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace minions::storage
