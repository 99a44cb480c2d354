#pragma once
// minions-rest's command line and the token policy: a token from --token-file
// or MINIONS_API_KEY, and none allowed only when listening on loopback.
#include <optional>
#include <string>

#include "api_endpoint.hpp"

namespace minions::rest {

struct ServerOptions {
    EndpointSettings endpoint;
};

// Returns nullopt after printing help; throws std::runtime_error with a
// message for the user on bad arguments or an unacceptable token setup.
std::optional<ServerOptions> parse_server_options(int argc, char** argv);

}  // namespace minions::rest
