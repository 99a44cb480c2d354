#pragma once
// How an asynchronous D-Bus method runs: its slow part on the worker pool,
// its outcome turned into the reply. Every exception is converted here: in
// sdbus-c++ 1.2.0 anything but sdbus::Error escaping a handler would abort
// the daemon.
//
// A method that needs polkit runs in the order every operation follows:
//   validate (worker) -> ask polkit (asynchronous: no thread waits, no lock is
//   held while a password prompt is open) -> lock and act (worker) -> reply.
#include <exception>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

#include "context.hpp"
#include "core/error.hpp"
#include "lifecycle/log.hpp"
#include "worker_pool.hpp"

namespace minions::bus {

// The D-Bus error for the exception in flight.
sdbus::Error current_exception_as_dbus_error();
sdbus::Error as_dbus_error(std::exception_ptr error);
// What a call that arrives while the daemon shuts down gets.
sdbus::Error shutting_down_error();
void log_unsendable_reply(const char* why) noexcept;

// Replies with `error`. Never throws: this runs on worker threads, where an
// escaping exception ends the daemon (a reply sd-bus cannot send is logged).
template <typename... Results>
void return_error(sdbus::Result<Results...>& result, const sdbus::Error& error) noexcept {
    try {
        result.returnError(error);
    } catch (const std::exception& e) {
        log_unsendable_reply(e.what());
    }
}

template <typename... Results>
using SharedResult = std::shared_ptr<sdbus::Result<Results...>>;

// Runs `body` and replies with what it returns, or with the error it threw.
template <typename... Results, typename Body>
void reply_with(sdbus::Result<Results...>& result, Body& body) {
    try {
        if constexpr (sizeof...(Results) == 0) {
            body();
            result.returnResults();
        } else if constexpr (sizeof...(Results) == 1) {
            result.returnResults(body());
        } else {
            std::apply([&](const auto&... values) { result.returnResults(values...); }, body());
        }
    } catch (...) {
        return_error(result, current_exception_as_dbus_error());
    }
}

template <typename... Results, typename Body>
void post_reply(WorkerPool& pool, SharedResult<Results...> shared, Body body) {
    if (!pool.post([shared, body = std::move(body)]() mutable { reply_with(*shared, body); }))
        return_error(*shared, shutting_down_error());
}

// A method without polkit (reads answered from the daemon's own files).
template <typename... Results, typename Body>
void run_async(WorkerPool& pool, sdbus::Result<Results...>&& result, Body body) {
    post_reply(pool, std::make_shared<sdbus::Result<Results...>>(std::move(result)), std::move(body));
}

// A method behind polkit. `check` returns the lifecycle::Target polkit is
// asked about (it throws when the request would fail anyway, so nobody is
// asked for a password for nothing); `act` runs once polkit said yes.
template <typename... Results, typename Check, typename Act>
void run_authorized(const Context& context, sdbus::Result<Results...>&& result, AuthRequest ask, Check check, Act act) {
    auto shared = std::make_shared<sdbus::Result<Results...>>(std::move(result));
    auto validate = [context, shared, ask = std::move(ask), check = std::move(check), act = std::move(act)]() mutable {
        try {
            lifecycle::Target target = check();
            ask.vm_name = target.name;
            ask.vm_id = target.id;
            context.authority.authorize_async(
                ask, [pool = &context.pool, shared, act = std::move(act)](std::exception_ptr refused) mutable {
                    // On the polkit thread: reply or hand over, nothing more.
                    if (refused) return return_error(*shared, as_dbus_error(refused));
                    post_reply(*pool, shared, std::move(act));
                });
        } catch (...) {
            return_error(*shared, current_exception_as_dbus_error());
        }
    };
    if (!context.pool.post(std::move(validate))) return_error(*shared, shutting_down_error());
}

}  // namespace minions::bus
