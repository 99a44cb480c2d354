#include "command_line.hpp"

#include <algorithm>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "minions/version.hpp"

namespace minions::cli {
namespace {

// --json may come anywhere before "--"; usage errors honour it even when
// parsing stopped before reaching it.
bool mentions_json(const std::vector<std::string>& args) {
    auto end = std::find(args.begin(), args.end(), "--");
    return std::find(args.begin(), end, "--json") != end;
}

EarlyExit usage_error(const std::string& message, bool json) {
    if (json) return {kExitUsage, nlohmann::json{{"error", message}}.dump(2) + "\n", "", true};
    return {kExitUsage, "", "error: " + message + "\nRun 'minions --help' for usage.\n", false};
}

CLI::App* command(CLI::App& app, Invocation& inv, Command which, const char* name, const char* help) {
    auto* sub = app.add_subcommand(name, help);
    sub->fallthrough();  // global flags are accepted after the command too
    sub->callback([&inv, which] { inv.command = which; });
    return sub;
}

void add_vm_name(CLI::App* sub, Invocation& inv, const char* help = "the VM's name") {
    sub->add_option("name", inv.name, help)->required();
}

void add_timeout(CLI::App* sub, Invocation& inv, const char* help) {
    sub->add_option("--timeout", inv.global.timeout_s, help);
}

void build(CLI::App& app, Invocation& inv) {
    app.set_version_flag("--version", std::string("minions ") + kVersion);
    app.require_subcommand(1);
    app.add_flag("--json", inv.global.json, "print the API's JSON objects (errors too: {\"error\": …})");
    app.add_option("--host", inv.global.host, "remote mode: URL of a minions-rest server, e.g. http://host:3000");
    app.add_option("--token", inv.global.token,
                   "bearer token for --host (else MINIONS_API_KEY, else 'token' in ~/.config/minions/config)");
    add_timeout(&app, inv, "seconds to wait for stop (graceful power-off) or exec; 0: the service's default");

    auto* create = command(app, inv, Command::Create, "create", "create and boot a new VM");
    add_vm_name(create, inv, "name for the new VM (1-11 letters, digits, '-')");
    create->add_option("--cpus", inv.cpus, "virtual CPUs (default: the service's, 2)");
    create->add_option("--memory", inv.memory_mb, "memory in MiB (default: the service's, 1024)");
    create->add_option("--ssh-key", inv.ssh_key_file, "public key file for root (default: ~/.ssh/id_*.pub)");

    command(app, inv, Command::List, "list", "list all VMs");

    add_vm_name(command(app, inv, Command::Info, "info", "show one VM"), inv);
    add_vm_name(command(app, inv, Command::Start, "start", "boot a stopped VM"), inv);

    auto* stop = command(app, inv, Command::Stop, "stop", "power a VM off gracefully (without destroying it)");
    add_vm_name(stop, inv);
    stop->add_flag("--force", inv.force, "kill the hypervisor if the guest does not power off in time");
    add_timeout(stop, inv, "seconds to wait for the guest to power off before failing (or, with --force, killing)");

    add_vm_name(command(app, inv, Command::Restart, "restart", "reboot a running VM"), inv);

    auto* rename = command(app, inv, Command::Rename, "rename", "rename a stopped VM");
    rename->add_option("old", inv.name, "current name")->required();
    rename->add_option("new", inv.new_name, "new name")->required();

    auto* cp = command(app, inv, Command::Copy, "cp",
                       "copy a VM: make a new, running VM from an existing VM's disk (this copies a VM, "
                       "not files)");
    cp->add_option("source", inv.name, "the VM to copy (running or stopped)")->required();
    cp->add_option("new", inv.new_name, "name for the copy (default: first 6 characters of the source + '-copy')");
    cp->add_option("--ssh-key", inv.ssh_key_file, "public key file for root (default: ~/.ssh/id_*.pub)");

    add_vm_name(command(app, inv, Command::Destroy, "destroy", "stop a VM and delete it with all its files"), inv);

    auto* exec = command(app, inv, Command::Exec, "exec",
                         "run a command in a VM through its agent; exits with the command's exit code");
    add_vm_name(exec, inv);
    exec->add_option("command", inv.argv, "the command and its arguments, after '--'")->required();
    exec->footer("Usage: minions exec NAME -- COMMAND [ARGS...]");
    add_timeout(exec, inv, "seconds the command may run; 0: the service's default");

    add_vm_name(command(app, inv, Command::Status, "status", "the guest agent's view: uptime, memory, disk"), inv);

    auto* logs = command(app, inv, Command::Logs, "logs", "print the VM's serial console log");
    add_vm_name(logs, inv);
    logs->add_option("--bytes", inv.log_bytes, "how much of the end of the log (default: 64 KiB)");

    auto* ssh = command(app, inv, Command::Ssh, "ssh", "open an SSH session as root to the VM (runs ssh root@IP)");
    add_vm_name(ssh, inv);
    ssh->add_option("ssh-args", inv.argv, "extra arguments for ssh, after '--'");
}

}  // namespace

std::variant<Invocation, EarlyExit> parse_command_line(const std::vector<std::string>& args) {
    Invocation inv;
    CLI::App app{"minions: create and manage microVMs on this host (D-Bus) or a remote one (--host)", "minions"};
    build(app, inv);

    std::vector<const char*> argv{"minions"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    bool json = mentions_json(args);
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::Success& e) {  // --help, --version
        std::ostringstream out, err;
        int code = app.exit(e, out, err);
        std::string text = out.str();
        if (!text.empty() && text.back() != '\n') text += '\n';  // CLI11 prints the version bare
        return EarlyExit{code, text, err.str(), json};
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what(), json);
    }
    return inv;
}

}  // namespace minions::cli
