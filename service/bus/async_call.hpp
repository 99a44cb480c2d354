#pragma once
// Runs the body of an asynchronous D-Bus method on the worker pool and turns
// its outcome into the reply. Every exception is converted here: in sdbus-c++
// 1.2.0 anything but sdbus::Error escaping a handler would abort the daemon.
#include <exception>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

#include "core/error.hpp"
#include "lifecycle/log.hpp"
#include "worker_pool.hpp"

namespace minions::bus {

// The D-Bus error for the exception in flight.
sdbus::Error current_exception_as_dbus_error();

template <typename... Results, typename Body>
void run_async(WorkerPool& pool, sdbus::Result<Results...>&& result, Body body) {
    auto shared = std::make_shared<sdbus::Result<Results...>>(std::move(result));
    pool.post([shared, body = std::move(body)]() mutable {
        try {
            if constexpr (sizeof...(Results) == 0) {
                body();
                shared->returnResults();
            } else if constexpr (sizeof...(Results) == 1) {
                shared->returnResults(body());
            } else {
                std::apply([&](const auto&... values) { shared->returnResults(values...); }, body());
            }
        } catch (...) {
            shared->returnError(current_exception_as_dbus_error());
        }
    });
}

}  // namespace minions::bus
