// minions-serialize-bench (Google Benchmark): what minionsd spends building
// the ListVms / GetVm reply body, the part callgrind shows dominating a read
// (docs/BENCHMARKS.md, "D-Bus calls"). Three ways to put 10 VMs as aa{sv}
// into a D-Bus message:
//   Variants        what the adaptor does today: bus::vm_properties() builds a
//                   std::map<std::string, sdbus::Variant> per VM, then the
//                   generated adaptor serialises the vector of maps;
//   CachedVariants  the maps already built (as if kept per VM and rebuilt on
//                   change): only the serialisation;
//   Direct          the same wire content appended field by field with
//                   open/close container calls, no sdbus::Variant at all.
// sdbus-c++ 1.2 has no public way to make a free-standing message, so the
// messages are method calls created (never sent) on a system bus
// connection: run it with DBUS_SYSTEM_BUS_ADDRESS pointing at a bus
// (bench/dbus_bench.sh does).
#include <benchmark/benchmark.h>
#include <sdbus-c++/sdbus-c++.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/vm_properties.hpp"

namespace {

std::vector<minions::Vm> ten_vms() {
    std::vector<minions::Vm> vms;
    for (int i = 0; i < 10; ++i) {
        minions::Vm vm;
        vm.id = "3f2a9c1e0b7d4e58a6c1" + std::to_string(1000 + i);
        vm.name = "vm" + std::to_string(i);
        vm.status = minions::VmStatus::Running;
        vm.ip = "10.214.0." + std::to_string(10 + i);
        vm.cid = 3 + i;
        vm.mac = "52:54:00:00:00:" + std::to_string(10 + i);
        vm.cpus = 1;
        vm.memory_mb = 256;
        vm.pid = 40000 + i;
        vm.hypervisor = "cloud-hypervisor";
        vm.created_at = "2026-11-26T07:00:00Z";
        vms.push_back(vm);
    }
    return vms;
}

struct Bus {
    std::unique_ptr<sdbus::IConnection> connection = sdbus::createSystemBusConnection();
    std::unique_ptr<sdbus::IProxy> proxy = sdbus::createProxy(*connection, "org.minions.Bench", "/org/minions/bench");
    sdbus::MethodCall message() { return proxy->createMethodCall("org.minions.Bench", "Reply"); }
};

Bus& bus() {
    static Bus b;
    return b;
}

template <typename T>
void entry(sdbus::Message& m, const char* key, const char* signature, const T& value) {
    m.openDictEntry("sv");
    m << std::string(key);
    m.openVariant(signature);
    m << value;
    m.closeVariant();
    m.closeDictEntry();
}

void append_direct(sdbus::Message& m, const minions::Vm& vm) {
    m.openContainer("{sv}");
    entry(m, "Path", "o", sdbus::ObjectPath(minions::bus::vm_object_path(vm.id)));
    entry(m, "Id", "s", vm.id);
    entry(m, "Name", "s", vm.name);
    entry(m, "Status", "s", std::string(minions::to_string(vm.status)));
    entry(m, "Ip", "s", vm.ip);
    entry(m, "Cpus", "u", vm.cpus);
    entry(m, "MemoryMb", "u", vm.memory_mb);
    entry(m, "Pid", "x", static_cast<int64_t>(vm.pid));
    entry(m, "Cid", "u", vm.cid);
    entry(m, "Mac", "s", vm.mac);
    entry(m, "Tap", "s", minions::tap_name(vm.name));
    entry(m, "Hypervisor", "s", vm.hypervisor);
    entry(m, "CreatedAt", "s", vm.created_at);
    m.closeContainer();
}

void ListVms_Variants(benchmark::State& state) {
    const auto vms = ten_vms();
    for (auto _ : state) {
        auto m = bus().message();
        std::vector<std::map<std::string, sdbus::Variant>> out;
        out.reserve(vms.size());
        for (const auto& vm : vms) out.push_back(minions::bus::vm_properties(vm));
        m << out;
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(ListVms_Variants);

void ListVms_CachedVariants(benchmark::State& state) {
    std::vector<std::map<std::string, sdbus::Variant>> cached;
    for (const auto& vm : ten_vms()) cached.push_back(minions::bus::vm_properties(vm));
    for (auto _ : state) {
        auto m = bus().message();
        m << cached;
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(ListVms_CachedVariants);

void ListVms_Direct(benchmark::State& state) {
    const auto vms = ten_vms();
    for (auto _ : state) {
        auto m = bus().message();
        m.openContainer("a{sv}");
        for (const auto& vm : vms) append_direct(m, vm);
        m.closeContainer();
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(ListVms_Direct);

void GetVm_Variants(benchmark::State& state) {
    const auto vm = ten_vms()[5];
    for (auto _ : state) {
        auto m = bus().message();
        m << minions::bus::vm_properties(vm);
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(GetVm_Variants);

void GetVm_Direct(benchmark::State& state) {
    const auto vm = ten_vms()[5];
    for (auto _ : state) {
        auto m = bus().message();
        append_direct(m, vm);
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(GetVm_Direct);

// The floor: an empty message.
void EmptyMessage(benchmark::State& state) {
    for (auto _ : state) {
        auto m = bus().message();
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(EmptyMessage);

}  // namespace

BENCHMARK_MAIN();
