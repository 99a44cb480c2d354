#pragma once
// The one table that decides how every failure looks to a caller: its D-Bus
// error name, its HTTP status and the CLI's exit code. Nothing else decides
// those.
#include <stdexcept>
#include <string>
#include <string_view>

namespace minions {

enum class Errc {
    NotFound,          // no VM by that name
    InvalidName,       // name breaks the naming rules
    AlreadyExists,     // name (or address) already taken
    InvalidState,      // operation not allowed in the VM's current status
    InvalidArgument,   // any other bad input (cpus, memory, ssh key, JSON)
    Busy,              // another operation holds the VM
    Exhausted,         // no free IP or CID left
    HypervisorFailed,  // VMM missing, crashed, or refused a call
    AgentFailed,       // the guest agent did not answer or failed
    Timeout,           // an operation ran past its deadline
    AccessDenied,      // polkit said no (or could not answer)
    Unauthorized,      // REST: missing or wrong bearer token
    Unavailable,       // minionsd is not on the bus, or is shutting down
    Internal,          // store, filesystem, network setup
};

struct ErrorKind {
    Errc code;
    std::string_view dbus_name;
    int http_status;
    int exit_code;
};

// Exit codes: 0 success, 1 failure, 2 usage error, 3 not found,
// 4 not authorized, 5 invalid state or conflict, 6 timeout.
inline constexpr int kExitUsage = 2;

const ErrorKind& error_kind(Errc code);
// Lookup by D-Bus name; unknown names map to Internal.
const ErrorKind& error_kind_by_dbus_name(std::string_view dbus_name);

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Errc code() const noexcept { return code_; }
    const ErrorKind& kind() const { return error_kind(code_); }

private:
    Errc code_;
};

}  // namespace minions
