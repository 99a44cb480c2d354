#pragma once
// Clients of minionsd that act at the same time, each on a D-Bus connection
// of its own: for the concurrency tests and the concurrency benchmark.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "service_fixture.hpp"

namespace minions::test {

Outcome call_on_own_connection(const std::string& path, const std::string& interface, const std::string& method,
                               const std::function<void(sdbus::MethodCall&)>& args);
Outcome create_vm(const std::string& name);
// The object path of VM `name`, asked on a fresh connection.
std::string find_on_own_connection(const std::string& name);
Outcome vm_method(const std::string& path, const std::string& method,
                  const std::function<void(sdbus::MethodCall&)>& args);
void no_interaction(sdbus::MethodCall& m);

// Runs `work(i)` for i in [0, n) on n threads released together; aborts
// rather than hangs when they do not all finish within `deadline`.
std::vector<Outcome> all_at_once(int n, const std::function<Outcome(int)>& work,
                                 std::chrono::seconds deadline = std::chrono::seconds(240));

}  // namespace minions::test
