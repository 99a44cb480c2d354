// Creates per second with 1, 5 and 20 callers at once, through the real
// minionsd and polkitd with the Cloud Hypervisor double (label bench; the
// figures go to docs/BENCHMARKS.md). Each round creates 20 VMs, split evenly
// between the callers, then destroys them; the ratio against one caller is
// what concurrency buys on this machine.
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "many_callers.hpp"
#include "service_fixture.hpp"

namespace minions::test {
namespace {

class CreateThroughput : public ServiceTest {};

TEST_F(CreateThroughput, CreatesPerSecondForOneFiveAndTwentyCallers) {
    constexpr int kVms = 20;
    double one_caller = 0;
    for (int callers : {1, 5, 20}) {
        const auto started = std::chrono::steady_clock::now();
        auto outcomes = all_at_once(callers, [&](int c) {
            for (int i = c; i < kVms; i += callers) {
                Outcome o = create_vm("b" + std::to_string(callers) + "-" + std::to_string(i));
                if (!o.ok) return o;
            }
            return Outcome{true, {}, {}};
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        for (const auto& o : outcomes) ASSERT_TRUE(o.ok) << o.error_name << ": " << o.error_message;
        const double rate = kVms / seconds;
        if (callers == 1) one_caller = rate;
        std::printf("BENCH creates/s callers=%d: %.1f (%.2fx one caller), %d VMs in %.2f s\n", callers, rate,
                    rate / one_caller, kVms, seconds);
        for (const auto& vm : list_vms())
            ASSERT_TRUE(vm_method("/org/minions/vm/" + str(vm.at("Id")), "Destroy", no_interaction).ok);
    }
}

}  // namespace
}  // namespace minions::test
