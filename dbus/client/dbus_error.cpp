#include "dbus_error.hpp"

#include <string_view>

namespace minions::client {
namespace {

// Failures that mean nobody answered on the bus rather than that the service
// refused: the raw sd-bus text ("The name is not activatable") does not say
// which name, so say it.
bool service_unreachable(std::string_view name) {
    return name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
           name == "org.freedesktop.DBus.Error.NoServer" ||
           name == "org.freedesktop.DBus.Error.Disconnected";
}

// The call went out but its reply did not come back in time: the operation
// may still be running in minionsd.
bool no_reply(std::string_view name) {
    return name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout";
}

}  // namespace

Error to_minions_error(const sdbus::Error& error) {
    const std::string& name = error.getName();
    if (service_unreachable(name))
        return Error(Errc::Unavailable,
                     "the minions service (org.minions.Manager) is not available on the bus: " + error.getMessage());
    if (no_reply(name))
        return Error(Errc::Timeout, "minionsd did not answer in time (" + error.getMessage() +
                                        "); the operation may still be running");
    std::string message = error.getMessage();
    if (message.empty()) message = name;
    return Error(error_kind_by_dbus_name(name).errc, message);
}

}  // namespace minions::client
