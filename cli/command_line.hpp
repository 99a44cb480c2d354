#pragma once
// The CLI's grammar (CLI11): every command, its options and its help text.
#include <string>
#include <variant>
#include <vector>

#include "invocation.hpp"

namespace minions::cli {

// Parsing ended without a command to run: help, --version or a usage error.
// `json` says whether --json was on the line, so errors can be printed as JSON.
struct EarlyExit {
    int exit_code;
    std::string out;
    std::string err;
    bool json;
};

// `args` excludes the program name.
// Unknown commands are refused with the closest known one suggested;
// `help [COMMAND]` is `[COMMAND] --help`; `ls` is `list`.
std::variant<Invocation, EarlyExit> parse_command_line(const std::vector<std::string>& args);

// Every command's name, in --help's order (the completion test compares).
std::vector<std::string> command_names();

}  // namespace minions::cli
