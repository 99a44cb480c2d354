#pragma once
// Every response the bridge sends is JSON; every error is
// {"error": "<sentence>", "code": "<stable code>"} from the one error table
// (core/error.hpp), with the X-Minions-Error header naming the D-Bus error.
#include <nlohmann/json.hpp>
#include <pistache/async.h>
#include <pistache/http.h>

#include "core/error.hpp"
#include "http_connection.hpp"

namespace minions::rest {

// Header carrying the D-Bus error name next to the body's "code", for
// clients that read headers only.
inline constexpr const char* kErrorNameHeader = "X-Minions-Error";

// The error object of `error`, as sent.
nlohmann::json error_body(const Error& error);

// Answers the exchange. Callable from any thread; the returned promise may be
// given a continuation only on the connection's I/O thread (Pistache 0.0.5
// resolves it there without a lock).
Pistache::Async::Promise<ssize_t> reply(Exchange& exchange, int status, const nlohmann::json& body);
Pistache::Async::Promise<ssize_t> reply_error(Exchange& exchange, const Error& error);

}  // namespace minions::rest
