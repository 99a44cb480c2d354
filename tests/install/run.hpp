#pragma once
// Runs a program for the install tests: argv (PATH searched), extra
// environment, stdin from /dev/null, stdout and stderr together into a file
// (daemons a script leaves behind never hold a pipe of ours open).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace minions::test {

struct RunResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string output;  // stdout and stderr, interleaved
};

RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
              const std::filesystem::path& log = {});

std::string read_text(const std::filesystem::path& file);
std::filesystem::path make_temp_dir(const std::string& prefix);
std::vector<std::string> lines_of(const std::string& text);

}  // namespace minions::test
