#include "many_callers.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

namespace minions::test {
namespace {
constexpr const char* kService = "org.minions.Manager";
}  // namespace

// One call on a fresh connection, as a separate client would make it.
Outcome call_on_own_connection(const std::string& path, const std::string& interface, const std::string& method,
                               const std::function<void(sdbus::MethodCall&)>& args) {
    Outcome outcome;
    try {
        auto connection = sdbus::createSystemBusConnection();
        auto proxy = sdbus::createProxy(*connection, kService, path);
        auto call = proxy->createMethodCall(interface, method);
        if (args) args(call);
        proxy->callMethod(call, std::chrono::duration_cast<std::chrono::microseconds>(ServiceTest::kCallTimeout));
        outcome.ok = true;
    } catch (const sdbus::Error& e) {
        outcome.error_name = e.getName();
        outcome.error_message = e.getMessage();
    }
    return outcome;
}

Outcome create_vm(const std::string& name) {
    return call_on_own_connection("/org/minions", "org.minions.Manager", "Create", [&](sdbus::MethodCall& m) {
        m << name << uint32_t{0} << uint32_t{0} << std::string() << false;
    });
}

std::string find_on_own_connection(const std::string& name) {
    auto connection = sdbus::createSystemBusConnection();
    auto proxy = sdbus::createProxy(*connection, kService, "/org/minions");
    sdbus::ObjectPath path;
    proxy->callMethod("FindVm").onInterface("org.minions.Manager").withArguments(name).storeResultsTo(path);
    return path;
}

Outcome vm_method(const std::string& path, const std::string& method,
                  const std::function<void(sdbus::MethodCall&)>& args) {
    return call_on_own_connection(path, "org.minions.VM", method, args);
}

void no_interaction(sdbus::MethodCall& m) { m << false; }

std::vector<Outcome> all_at_once(int n, const std::function<Outcome(int)>& work, std::chrono::seconds deadline) {
    std::atomic<int> ready{0};
    std::vector<std::future<Outcome>> futures;
    for (int i = 0; i < n; ++i)
        futures.push_back(std::async(std::launch::async, [&, i] {
            ++ready;
            while (ready < n) std::this_thread::yield();
            return work(i);
        }));
    std::vector<Outcome> outcomes;
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (auto& f : futures) {
        if (f.wait_until(until) != std::future_status::ready) {
            std::fprintf(stderr, "concurrent calls did not finish within %lld s\n",
                         static_cast<long long>(deadline.count()));
            std::abort();  // the futures' destructors would wait forever
        }
        outcomes.push_back(f.get());
    }
    return outcomes;
}

}  // namespace minions::test
