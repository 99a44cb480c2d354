#pragma once
// What to do next after a failure, for the human form of errors.
#include <string>

#include "core/error.hpp"
#include "invocation.hpp"

namespace minions::cli {

// "" when no hint helps.
std::string hint_for(const Invocation& invocation, const Error& error, bool remote);

}  // namespace minions::cli
