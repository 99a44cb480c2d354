#pragma once
// Copies a VM's root disk. Tries FICLONE (a reflink: instant, shares blocks),
// otherwise copies only the data extents (SEEK_DATA/SEEK_HOLE + copy_file_range)
// so holes stay holes. Writes to a temporary name beside `to` and renames it
// into place: a copy that is interrupted (the daemon killed, the disk full)
// never leaves a half file at `to`.
//
// The copy is not on disk yet when copy_rootfs returns (as with `cp`); a power
// loss could still leave `to` with holes in its data. flush_to_disk() makes it
// durable. Create and copy run it while the new VM boots and record the VM as
// running only after it returned, so until then a power loss rolls the VM back
// (it is still `creating`) instead of leaving it with a damaged disk - and a
// running source is frozen only for the copy, not for the disk's write-back.
#include <filesystem>

namespace minions::storage {

enum class CopyMethod { Reflink, SparseCopy };

// Whether `from` may be a symbolic link. A VM's own disk must not be: its
// directory belongs to its VMM's user, who could have put a link to a host
// file there. A base image may be (an operator's base.ext4 -> debian.ext4).
enum class SourceLink { Follow, Refuse };

// Throws Error{Internal} naming the file and the failing step.
CopyMethod copy_rootfs(const std::filesystem::path& from, const std::filesystem::path& to,
                       SourceLink link = SourceLink::Follow);

// fdatasync(file), then fsync of its directory so its name is durable too.
// Throws Error{Internal}.
void flush_to_disk(const std::filesystem::path& file);

}  // namespace minions::storage
