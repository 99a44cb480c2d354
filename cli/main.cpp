// minions: the command line. Local mode talks D-Bus to minionsd; --host
// switches to a minions-rest server. Exit codes come from the error table.
#include <curl/curl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "core/error.hpp"
#include "local_api.hpp"
#include "polkit_agent.hpp"
#include "printer.hpp"
#include "progress.hpp"
#include "remote_api.hpp"
#include "run_command.hpp"
#include "user_config.hpp"

namespace {

using namespace minions;
using namespace minions::cli;

bool reads_only(Command command) {
    return command == Command::List || command == Command::Info || command == Command::Status ||
           command == Command::Logs || command == Command::Ssh || command == Command::Version;
}

std::unique_ptr<Api> make_api(const Invocation& inv) {
    if (auto host = resolve_host(inv.global.host))
        return std::make_unique<RemoteApi>(*host, resolve_token(inv.global.token, inv.global.token_file));
    // polkit may ask for a password only when someone can type it.
    bool interactive = isatty(STDIN_FILENO) != 0;
    return std::make_unique<LocalApi>(client::BusAddress{}, interactive);
}

// Replaces this process with `ssh root@IP [extra args]`.
[[noreturn]] void exec_ssh(const std::string& ip, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"ssh", "root@" + ip};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execvp("ssh", argv.data());
    throw Error(Errc::Internal, "cannot run ssh: " + std::string(std::strerror(errno)));
}

int run(const Invocation& inv) {
    bool remote = resolve_host(inv.global.host).has_value();
    try {
        auto api = make_api(inv);
        std::unique_ptr<PolkitTtyAgent> agent;
        if (!api->is_remote() && !reads_only(inv.command) && !inv.global.json && isatty(STDIN_FILENO))
            agent = std::make_unique<PolkitTtyAgent>();
        auto result = run_command(*api, inv, progress_wanted(inv.global.json));
        if (inv.command == Command::Ssh) {
            std::string ip = result.value("ip", "");
            if (ip.empty()) throw Error(Errc::InvalidState, "VM '" + inv.name + "' has no IP address");
            exec_ssh(ip, inv.argv);
        }
        print_result(inv, result, std::cout, std::cerr);
        return exit_code_of(inv, result);
    } catch (const Error& error) {
        print_failure(inv, error, remote, std::cout, std::cerr);
        return failure_exit_code(inv, error);
    } catch (const std::exception& e) {
        Error error(Errc::Internal, e.what());
        print_failure(inv, error, remote, std::cout, std::cerr);
        return failure_exit_code(inv, error);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_command_line(args);
    if (auto* early = std::get_if<EarlyExit>(&parsed)) {
        std::cout << early->out;
        std::cerr << early->err;
        return early->exit_code;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int code = run(std::get<Invocation>(parsed));
    curl_global_cleanup();
    return code;
}
