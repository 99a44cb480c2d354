#include "async_call.hpp"

namespace minions::bus {

sdbus::Error current_exception_as_dbus_error() {
    try {
        throw;
    } catch (const sdbus::Error& e) {
        return e;
    } catch (const Error& e) {
        return sdbus::Error(std::string(e.kind().dbus_name), e.what());
    } catch (const std::exception& e) {
        log_error(std::string("unexpected failure: ") + e.what());
        return sdbus::Error(std::string(error_kind(Errc::Internal).dbus_name), e.what());
    } catch (...) {
        return sdbus::Error(std::string(error_kind(Errc::Internal).dbus_name), "unknown internal failure");
    }
}

sdbus::Error as_dbus_error(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (...) {
        return current_exception_as_dbus_error();
    }
}

sdbus::Error shutting_down_error() {
    return sdbus::Error(std::string(error_kind(Errc::Unavailable).dbus_name),
                        "minionsd is shutting down; try again when it is back");
}

void log_unsendable_reply(const char* why) noexcept {
    try {
        log_error(std::string("could not send a reply: ") + why);
    } catch (...) {
    }
}

}  // namespace minions::bus
