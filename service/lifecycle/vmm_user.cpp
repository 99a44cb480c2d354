#include "vmm_user.hpp"

#include <grp.h>
#include <pwd.h>

#include <filesystem>
#include <vector>

#include "core/error.hpp"

namespace minions::lifecycle {
namespace {

std::optional<gid_t> group_of_user(const std::string& name) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
    return found->pw_gid;
}

std::optional<gid_t> group_id(const char* name) {
    std::vector<char> buffer(16384);
    group entry{};
    group* found = nullptr;
    if (::getgrnam_r(name, &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
    return found->gr_gid;
}

}  // namespace

std::optional<hv::Credentials> vmm_credentials(const Config& config, uint32_t cid) {
    if (config.vmm_user.empty()) return std::nullopt;
    auto gid = group_of_user(config.vmm_user);
    if (!gid)
        throw Error{Errc::HypervisorFailed, "vmm_user '" + config.vmm_user +
                                                "' does not exist: run minions-setup (it creates the user) or "
                                                "set [hypervisor] vmm_user in minionsd.conf"};
    if (*gid == 0)
        throw Error{Errc::HypervisorFailed, "vmm_user '" + config.vmm_user + "' has group root; VMMs must not"};
    hv::Credentials as{static_cast<uid_t>(config.vmm_uid_base + cid), *gid, {*gid}};
    // /dev/kvm belongs to group kvm on Debian.
    if (auto kvm = group_id("kvm"); kvm && *kvm != *gid) as.groups.push_back(*kvm);
    return as;
}

void let_vmms_through(const Config& config) {
    if (config.vmm_user.empty()) return;
    namespace fs = std::filesystem;
    constexpr auto kPassOnly = fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec;
    auto set = [](const fs::path& dir, fs::perms perms, fs::perm_options how) {
        std::error_code ec;
        fs::permissions(dir, perms, how, ec);
        if (ec)
            throw Error{Errc::Internal, "cannot make " + dir.string() + " passable for the VMMs: " + ec.message()};
    };
    // minionsd's own: exactly this, whatever created them.
    set(config.vms_dir, kPassOnly, fs::perm_options::replace);
    set(config.run_dir, kPassOnly, fs::perm_options::replace);
    auto holds = [](const fs::path& parent, const fs::path& child) {
        auto rel = child.lexically_relative(parent);
        return !rel.empty() && *rel.begin() != "..";
    };
    // state_dir may be shared with others: only add the passage.
    if (holds(config.state_dir, config.vms_dir) || holds(config.state_dir, config.run_dir))
        set(config.state_dir, fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
}

}  // namespace minions::lifecycle
