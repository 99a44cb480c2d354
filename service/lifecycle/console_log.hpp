#pragma once
// A VM's serial console log, kept bounded while its VMM writes to it.
//
// The VMM holds the log open for appending (QEMU's append=on, the Cloud
// Hypervisor double's appends), so it cannot be renamed away: rotation is
// logrotate's copytruncate. When the log passes its limit, its last `limit`
// bytes replace `serial.log.1` and the log is truncated to zero; the VMM's
// next write lands at the new end. Lines written between the copy and the
// truncation are lost, which is the price of not owning the VMM's
// descriptor. On disk: at most twice the limit plus what the guest writes
// between two sweeps.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace minions::lifecycle {

// The rotated log beside `log` ("serial.log.1").
std::filesystem::path rotated_log(const std::filesystem::path& log);

// Rotates `log` when it is over `limit` bytes; true when it did.
bool rotate_console_log(const std::filesystem::path& log, std::uint64_t limit);

// The last `max_bytes` of the console (the rotated log, then the current
// one) as valid UTF-8: invalid bytes become U+FFFD, a character cut by the
// window's start or a write in progress at its end is left out. Reads no
// more than `max_bytes` from disk.
std::string console_tail(const std::filesystem::path& log, std::size_t max_bytes);

}  // namespace minions::lifecycle
