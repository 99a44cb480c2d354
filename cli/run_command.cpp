#include "run_command.hpp"

#include <memory>

#include "core/error.hpp"
#include "core/names.hpp"
#include "minions/version.hpp"
#include "progress.hpp"
#include "ssh_key.hpp"

namespace minions::cli {
namespace {

// Lives for the duration of the call it is declared next to.
std::unique_ptr<ProgressDisplay> maybe_progress(bool show, const Api& api, std::string label, std::string vm) {
    if (!show) return nullptr;
    return std::make_unique<ProgressDisplay>(api.another(), std::move(label), std::move(vm));
}

}  // namespace

nlohmann::json run_command(Api& api, const Invocation& inv, bool show_progress) {
    switch (inv.command) {
        case Command::Create: {
            client::CreateRequest request{inv.name, inv.cpus, inv.memory_mb, read_ssh_public_key(inv.ssh_key_file)};
            auto progress = maybe_progress(show_progress, api, "Creating " + inv.name, inv.name);
            return api.create(request);
        }
        case Command::List: return api.list();
        case Command::Info: return api.get(inv.name);
        case Command::Start: return api.start(inv.name);
        case Command::Stop: {
            auto progress = maybe_progress(show_progress, api, "Stopping " + inv.name, inv.name);
            return api.stop(inv.name, client::StopRequest{inv.force, inv.global.timeout_s});
        }
        case Command::Restart: {
            auto progress = maybe_progress(show_progress, api, "Restarting " + inv.name, inv.name);
            return api.restart(inv.name);
        }
        case Command::Rename: return api.rename(inv.name, inv.new_name);
        case Command::Copy: {
            std::string key = read_ssh_public_key(inv.ssh_key_file);
            // The service names an unnamed copy by the same rule.
            std::string copy = inv.new_name.empty() ? copy_name_for(inv.name) : inv.new_name;
            auto progress = maybe_progress(show_progress, api, "Copying " + inv.name, copy);
            return api.copy(inv.name, inv.new_name, key);
        }
        case Command::Destroy: return api.destroy(inv.name);
        case Command::Exec: {
            client::ExecRequest request;
            request.command = inv.argv.front();
            request.args.assign(inv.argv.begin() + 1, inv.argv.end());
            request.timeout_s = inv.global.timeout_s.value_or(0);
            return api.exec(inv.name, request);
        }
        case Command::Status: return api.agent_status(inv.name);
        case Command::Logs: return api.logs(inv.name, inv.log_bytes);
        case Command::Ssh: return api.get(inv.name);
        case Command::Version:
            return nlohmann::json{{"client", {{"version", kVersion}}}, {"server", api.server_version()}};
    }
    throw Error(Errc::Internal, "unknown command");
}

}  // namespace minions::cli
