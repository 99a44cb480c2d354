#pragma once
// sdbus::Error → minions::Error through the one error table; the service's
// message text is kept because it already says what was wrong.
#include <sdbus-c++/Error.h>

#include "core/error.hpp"

namespace minions::client {

Error to_minions_error(const sdbus::Error& error);

}  // namespace minions::client
