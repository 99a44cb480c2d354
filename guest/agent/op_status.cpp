// health and status: cheap, read-only views of the guest.
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <string>

#include <minions/version.hpp>

#include "fields.hpp"
#include "ops.hpp"
#include "protocol/protocol.hpp"
#include "record.hpp"

namespace minions::agent {

namespace {

// MemAvailable is only in /proc/meminfo (sysinfo has no equivalent).
uint64_t meminfo_kb(const std::string& key) {
    std::ifstream in("/proc/meminfo");
    std::string name;
    uint64_t value = 0;
    std::string unit;
    while (in >> name >> value) {
        std::getline(in, unit);
        if (name == key + ":") return value;
    }
    return 0;
}

std::string hostname(const Context& ctx) {
    if (ctx.confined()) {
        // Report what set_hostname would have set, as a guest would.
        std::string name = recorded(ctx, "hostname");
        while (!name.empty() && name.back() == '\n') name.pop_back();
        if (!name.empty()) return name;
    }
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

}  // namespace

nlohmann::json op_health(const nlohmann::json&, Context& ctx) {
    // What a host may rely on: answers in any order, cancel, and a network
    // configuration that survives a reboot of the guest.
    return {{"version", kVersion},
            {"uptime_s", ctx.uptime_s()},
            {"protocol", protocol::kProtocolVersion},
            {"capabilities", {"concurrent", "cancel", "persistent_network"}}};
}

nlohmann::json op_status(const nlohmann::json&, Context& ctx) {
    struct sysinfo si {};
    if (sysinfo(&si) != 0) throw_errno("sysinfo");
    struct statvfs disk {};
    const auto disk_path = ctx.root();
    if (statvfs(disk_path.c_str(), &disk) != 0) throw_errno("statvfs '" + disk_path.string() + "'");
    const uint64_t block = disk.f_frsize ? disk.f_frsize : disk.f_bsize;
    const uint64_t unit = si.mem_unit ? si.mem_unit : 1;
    uint64_t available = meminfo_kb("MemAvailable");
    if (available == 0) available = uint64_t{si.freeram} * unit / 1024;
    return {
        // Confined, the "guest" is the agent process: its uptime is what drops on a reboot.
        {"uptime_s", ctx.confined() ? static_cast<uint64_t>(ctx.uptime_s()) : static_cast<uint64_t>(si.uptime)},
        {"load1", static_cast<double>(si.loads[0]) / (1 << SI_LOAD_SHIFT)},
        {"memory_total_kb", uint64_t{si.totalram} * unit / 1024},
        {"memory_available_kb", available},
        {"disk_total_kb", uint64_t{disk.f_blocks} * block / 1024},
        {"disk_free_kb", uint64_t{disk.f_bavail} * block / 1024},
        {"hostname", hostname(ctx)},
    };
}

}  // namespace minions::agent
