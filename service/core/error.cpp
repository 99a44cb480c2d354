#include "error.hpp"

#include <array>

namespace minions {
namespace {

constexpr std::array kKinds{
    ErrorKind{Errc::NotFound, "org.minions.Error.NotFound", 404, 3},
    ErrorKind{Errc::InvalidName, "org.minions.Error.InvalidName", 400, 2},
    ErrorKind{Errc::AlreadyExists, "org.minions.Error.AlreadyExists", 400, 5},
    ErrorKind{Errc::InvalidState, "org.minions.Error.InvalidState", 400, 5},
    ErrorKind{Errc::InvalidArgument, "org.minions.Error.InvalidArgument", 400, 2},
    ErrorKind{Errc::Busy, "org.minions.Error.Busy", 409, 5},
    ErrorKind{Errc::Exhausted, "org.minions.Error.Exhausted", 503, 1},
    ErrorKind{Errc::HypervisorFailed, "org.minions.Error.HypervisorFailed", 500, 1},
    ErrorKind{Errc::AgentFailed, "org.minions.Error.AgentFailed", 500, 1},
    ErrorKind{Errc::Timeout, "org.minions.Error.Timeout", 504, 6},
    ErrorKind{Errc::AccessDenied, "org.freedesktop.DBus.Error.AccessDenied", 403, 4},
    ErrorKind{Errc::Unauthorized, "org.minions.Error.Unauthorized", 401, 4},
    ErrorKind{Errc::Unavailable, "org.minions.Error.Unavailable", 503, 1},
    ErrorKind{Errc::Internal, "org.minions.Error.Internal", 500, 1},
};

}  // namespace

const ErrorKind& error_kind(Errc code) {
    for (const auto& k : kKinds)
        if (k.code == code) return k;
    return kKinds.back();
}

const ErrorKind& error_kind_by_dbus_name(std::string_view dbus_name) {
    for (const auto& k : kKinds)
        if (k.dbus_name == dbus_name) return k;
    // polkit's interactive-authorization refusal is an access denial too.
    if (dbus_name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
        return error_kind(Errc::AccessDenied);
    return error_kind(Errc::Internal);
}

}  // namespace minions
