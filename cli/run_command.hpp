#pragma once
// Carries out one parsed command against an Api and returns the API's JSON.
#include <nlohmann/json.hpp>

#include "api.hpp"
#include "invocation.hpp"

namespace minions::cli {

// Shows progress on a terminal for the long commands. Not for ssh, which
// main() handles by replacing the process.
nlohmann::json run_command(Api& api, const Invocation& invocation, bool show_progress);

}  // namespace minions::cli
