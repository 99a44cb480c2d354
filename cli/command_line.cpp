#include "command_line.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "minions/version.hpp"

namespace minions::cli {
namespace {

// The global options that take a value: a word after one of them is that
// value, not a command.
bool takes_value(const std::string& arg) {
    return arg == "--host" || arg == "--token" || arg == "--token-file" || arg == "--timeout";
}

// --json may come anywhere before "--"; usage errors honour it even when
// parsing stopped before reaching it.
bool mentions_json(const std::vector<std::string>& args) {
    auto end = std::find(args.begin(), args.end(), "--");
    return std::find(args.begin(), end, "--json") != end;
}

// The index of the command word: the first word before "--" that is neither
// an option nor a global option's value; args.size() when there is none.
size_t command_index(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg == "--") break;
        if (takes_value(arg)) {
            ++i;
            continue;
        }
        if (!arg.empty() && arg.front() == '-') continue;
        return i;
    }
    return args.size();
}

EarlyExit usage_error(const std::string& message, bool json) {
    if (json)
        return {kExitUsage,
                nlohmann::json{{"error", message}, {"code", error_kind(Errc::InvalidArgument).code}}.dump(2) + "\n",
                "", true};
    return {kExitUsage, "", "error: " + message + "\nRun 'minions help' for usage.\n", false};
}

// Optimal string alignment distance: edits, where swapping two neighbours
// ("strat" for "start") is one edit.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

bool is_subsequence(const std::string& word, const std::string& of) {
    size_t at = 0;
    for (char c : of)
        if (at < word.size() && word[at] == c) ++at;
    return at == word.size();
}

// The command a mistyped word most likely meant: the only one it begins, else
// the only one holding its letters in order ("rnam": rename), else the
// nearest within a third of its length (at least 1, at most 2 edits).
std::optional<std::string> closest_command(const std::string& word, const std::vector<std::string>& commands) {
    for (auto matches : {+[](const std::string& w, const std::string& c) { return c.compare(0, w.size(), w) == 0; },
                         +[](const std::string& w, const std::string& c) { return is_subsequence(w, c); }}) {
        std::vector<std::string> found;
        for (const auto& c : commands)
            if (word.size() >= 2 && matches(word, c)) found.push_back(c);
        if (found.size() == 1) return found.front();
    }
    size_t limit = std::clamp<size_t>(word.size() / 3, 1, 2);
    std::optional<std::string> best;
    size_t best_distance = limit + 1;
    for (const auto& c : commands)
        if (size_t d = edit_distance(word, c); d < best_distance) {
            best = c;
            best_distance = d;
        }
    return best;
}

// Each command's --help also lists the global options it accepts (they fall
// through from the top level), except those it redefines itself.
class HelpFormatter final : public CLI::Formatter {
public:
    std::string make_footer(const CLI::App* app) const override {
        std::string globals;
        if (const CLI::App* parent = app->get_parent()) {
            auto options = parent->get_options([&](const CLI::Option* opt) {
                return opt->nonpositional() && opt != parent->get_help_ptr() && opt != parent->get_version_ptr() &&
                       app->get_option_no_throw(opt->get_name()) == nullptr;
            });
            // make_group starts with an empty line; the options above end with one.
            if (!options.empty()) globals = make_group("Global options", false, options).substr(1);
        }
        std::string footer = CLI::Formatter::make_footer(app);
        if (!globals.empty() && !footer.empty()) globals += '\n';
        return globals + footer;
    }
};

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
    sub->add_option("--timeout", inv.global.timeout_s, help)->type_name("SECONDS");
}

void build(CLI::App& app, Invocation& inv) {
    // Before any subcommand exists: each copies the parent's formatter.
    app.formatter(std::make_shared<HelpFormatter>());
    app.set_version_flag("--version", std::string("minions ") + kVersion);
    app.require_subcommand(1);
    app.add_flag("--json", inv.global.json,
                 "print the API's JSON objects (errors too: {\"error\": …, \"code\": …})");
    app.add_option("--host", inv.global.host, "remote mode: URL of a minions-rest server, e.g. http://host:3000")
        ->type_name("URL");
    app.add_option("--token", inv.global.token,
                   "bearer token for --host; other users can read it in 'ps': prefer --token-file or "
                   "MINIONS_API_KEY")
        ->type_name("TOKEN");
    app.add_option("--token-file", inv.global.token_file,
                   "file holding the bearer token; refused unless only you can read it (chmod 600)")
        ->type_name("FILE");
    add_timeout(&app, inv, "seconds to wait for stop (graceful power-off) or exec; 0: the service's default");

    auto* create = command(app, inv, Command::Create, "create", "create and boot a new VM");
    add_vm_name(create, inv, "name for the new VM (1-11 letters, digits, '-')");
    create->add_option("--cpus", inv.cpus, "virtual CPUs (default: the service's)");
    create->add_option("--memory", inv.memory_mb, "memory in MiB (default: the service's)");
    create->add_option("--ssh-key", inv.ssh_key_file, "public key file for root (default: ~/.ssh/id_*.pub)");

    command(app, inv, Command::List, "list", "list all VMs")->alias("ls");

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

    command(app, inv, Command::Version, "version",
            "print this client's version and the server's (minionsd here, or minions-rest with --host)");
    // Handled before parsing (see parse_command_line); listed for --help.
    app.add_subcommand("help", "show the help of a command: minions help [COMMAND]")
        ->add_option("command", "a command");
    // Last: subcommands copy the footer of their parent when created.
    app.footer("Run 'minions help COMMAND' for a command's options; 'man minions' for exit codes.");
}

std::vector<std::string> names_of(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    return names;
}

bool is_command(const CLI::App& app, const std::string& word) {
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->check_name(word)) return true;
    return false;
}

}  // namespace

std::vector<std::string> command_names() {
    Invocation inv;
    CLI::App app{"minions", "minions"};
    build(app, inv);
    return names_of(app);
}

std::variant<Invocation, EarlyExit> parse_command_line(const std::vector<std::string>& input) {
    Invocation inv;
    CLI::App app{"minions: create and manage microVMs on this host (D-Bus) or a remote one (--host)", "minions"};
    build(app, inv);

    bool json = mentions_json(input);
    std::vector<std::string> args = input;
    size_t at = command_index(args);
    // `minions help [COMMAND]` is `minions [COMMAND] --help`.
    if (at < args.size() && args[at] == "help") {
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(at));
        auto end = std::find(args.begin(), args.end(), "--");
        args.insert(end, "--help");
        at = command_index(args);
    }
    if (at < args.size() && !is_command(app, args[at])) {
        std::string message = "unknown command '" + args[at] + "'";
        if (auto guess = closest_command(args[at], names_of(app))) message += "; did you mean '" + *guess + "'?";
        return usage_error(message, json);
    }
    auto options_end = std::find(args.begin(), args.end(), "--");
    auto mentioned = [&](const char* flag) { return std::find(args.begin(), options_end, flag) != options_end; };
    if (at == args.size() && !mentioned("--help") && !mentioned("-h") && !mentioned("--version"))
        return usage_error("no command given", json);

    std::vector<const char*> argv{"minions"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
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
    if (inv.global.token && inv.global.token_file)
        return usage_error("--token and --token-file exclude each other", json);
    return inv;
}

}  // namespace minions::cli
