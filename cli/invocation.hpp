#pragma once
// What the user asked for, once the command line is parsed: plain data that
// the rest of the CLI acts on and that the argument tests inspect.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minions::cli {

enum class Command {
    Create, List, Info, Start, Stop, Restart, Rename, Copy, Destroy, Exec, Status, Logs, Ssh,
    Version,  // the client's version and the server's
};

struct GlobalOptions {
    bool json = false;
    std::optional<std::string> host;   // remote mode when set: "http://host:3000"
    std::optional<std::string> token;  // --token; MINIONS_API_KEY and the config file are read later
    std::optional<std::string> token_file;  // --token-file: a file holding the token (mode 0600 or stricter)
    std::optional<uint32_t> timeout_s;  // --timeout; nullopt: the service's default
};

struct Invocation {
    Command command = Command::List;
    GlobalOptions global;
    std::string name;      // the VM (source VM for cp, old name for rename)
    std::string new_name;  // rename, cp (empty: the service picks "<src6>-copy")
    uint32_t cpus = 0;     // 0: the service's default
    uint32_t memory_mb = 0;
    bool force = false;                 // stop
    std::optional<std::string> ssh_key_file;  // create, cp
    uint32_t log_bytes = 0;             // logs
    std::vector<std::string> argv;      // exec: command and arguments; ssh: extra ssh arguments
};

}  // namespace minions::cli
