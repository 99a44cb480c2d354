// How the one D-Bus client turns bus-level failures into minions errors: an
// absent service is Unavailable (503, exit 1), a reply that never came is a
// Timeout (504, exit 6), the service's own errors keep their kind and text.
#include <gtest/gtest.h>

#include "dbus_error.hpp"

namespace minions::client {
namespace {

TEST(DbusError, AnAbsentServiceIsUnavailableAndNamesTheService) {
    for (const char* name : {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
                             "org.freedesktop.DBus.Error.NoServer", "org.freedesktop.DBus.Error.Disconnected"}) {
        Error e = to_minions_error(sdbus::Error(name, "The name is not activatable"));
        EXPECT_EQ(e.code(), Errc::Unavailable) << name;
        EXPECT_EQ(std::string(e.what()),
                  "the minions service (org.minions.Manager) is not available on the bus: The name is not activatable");
        EXPECT_EQ(e.kind().http_status, 503);
        EXPECT_EQ(e.kind().exit_code, 10);
    }
}

TEST(DbusError, NoReplyIsATimeoutThatMayStillBeRunning) {
    Error e = to_minions_error(sdbus::Error("org.freedesktop.DBus.Error.NoReply", "Connection timed out"));
    EXPECT_EQ(e.code(), Errc::Timeout);
    EXPECT_EQ(std::string(e.what()),
              "minionsd did not answer in time (Connection timed out); the operation may still be running");
    EXPECT_EQ(e.kind().http_status, 504);
    EXPECT_EQ(e.kind().exit_code, 6);
}

TEST(DbusError, TheServicesOwnErrorsKeepKindAndText) {
    Error e = to_minions_error(sdbus::Error("org.minions.Error.InvalidState", "VM 'web' is running"));
    EXPECT_EQ(e.code(), Errc::InvalidState);
    EXPECT_EQ(std::string(e.what()), "VM 'web' is running");
    EXPECT_EQ(to_minions_error(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", "no")).code(),
              Errc::NotAuthorized);
}

TEST(DbusError, AnUnknownErrorIsInternalAndAnEmptyTextBecomesItsName) {
    Error e = to_minions_error(sdbus::Error("com.example.Weird", ""));
    EXPECT_EQ(e.code(), Errc::Internal);
    EXPECT_EQ(std::string(e.what()), "com.example.Weird");
}

}  // namespace
}  // namespace minions::client
