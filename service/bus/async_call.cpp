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

}  // namespace minions::bus
