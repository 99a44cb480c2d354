#pragma once
// Every check a request passes before its operation runs, in order: bearer
// token, 404/405 against the route table, the {name} segment, the body
// (size, type, syntax, unknown fields) and the query. Pure: no bus, no
// socket, so the endpoint, the tests and the fuzz targets share it.
#include <optional>
#include <string>

#include <pistache/http.h>

#include "api_operations.hpp"

namespace minions::rest {

struct Admitted {
    const ApiRoute& route;
    ApiCall call;
};

// Throws the minions::Error the request is answered with; headers that go
// with that answer (WWW-Authenticate, Allow) are added to `reply_headers`.
// `token`: nullopt when the bridge runs without authentication.
Admitted admit(const Pistache::Http::Request& request, const std::optional<std::string>& token,
               Pistache::Http::Header::Collection& reply_headers);

}  // namespace minions::rest
