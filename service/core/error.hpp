#pragma once
// The one table that decides how every failure looks to a caller: its stable
// code, its D-Bus error name, its HTTP status and the CLI's exit code.
// Nothing else decides those. docs/ERRORS.md prints the same table.
#include <stdexcept>
#include <string>
#include <string_view>

namespace minions {

enum class Errc {
    NotFound,              // no VM by that name (REST: or no such route)
    InvalidName,           // name breaks the naming rules
    InvalidArgument,       // any other bad input (cpus, memory, ssh key, JSON, unknown field)
    AlreadyExists,         // name (or address) already taken
    InvalidState,          // operation not allowed in the VM's current status
    Busy,                  // another operation holds the VM
    Timeout,               // an operation ran past its deadline
    NotAuthorized,         // polkit said no (or could not answer)
    Unauthenticated,       // REST: missing or wrong bearer token
    Unavailable,           // minionsd is not on the bus, or is shutting down, or the bridge is full
    Exhausted,             // no free IP or CID left
    HypervisorFailed,      // VMM missing, crashed, or refused a call
    AgentFailed,           // the guest agent did not answer or failed
    MethodNotAllowed,      // REST: the route exists, the HTTP method does not
    PayloadTooLarge,       // REST: request body over the limit
    UnsupportedMediaType,  // REST: a body that is not application/json
    LengthRequired,        // REST: a body without Content-Length (chunked)
    Internal,              // store, filesystem, network setup; anything unexpected
};

struct ErrorKind {
    Errc errc;
    // Stable, snake_case; the D-Bus name's last element is its CamelCase form.
    std::string_view code;
    std::string_view dbus_name;
    int http_status;
    int exit_code;
};

// CLI exit codes that are not an error of the table.
inline constexpr int kExitFailure = 1;  // also: any error without a code of its own
inline constexpr int kExitUsage = 2;
// `minions exec`: the guest command's own code passes through, so minions'
// own failures use the container tools' 125 instead of the table's codes.
inline constexpr int kExitExecFailed = 125;

const ErrorKind& error_kind(Errc errc);
// Lookup by D-Bus name; unknown names map to Internal.
const ErrorKind& error_kind_by_dbus_name(std::string_view dbus_name);
// Lookup by stable code; unknown codes map to Internal.
const ErrorKind& error_kind_by_code(std::string_view code);
// Every entry, in table order (for documentation and tests).
const ErrorKind* error_kinds_begin();
const ErrorKind* error_kinds_end();

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Errc code() const noexcept { return code_; }
    const ErrorKind& kind() const { return error_kind(code_); }

private:
    Errc code_;
};

}  // namespace minions
