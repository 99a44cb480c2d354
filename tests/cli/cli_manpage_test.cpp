// minions(1) against the code it documents: the EXIT STATUS list is the
// error table's, every command is described, and every page it refers to
// exists in the tree.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "core/error.hpp"

using namespace minions;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> man_page() { return lines_of(MINIONS_SOURCE_DIR "/cli/minions.1"); }

// The lines of section `name` (after ".SH name", up to the next ".SH").
std::vector<std::string> section(const std::vector<std::string>& page, const std::string& name) {
    std::vector<std::string> body;
    bool inside = false;
    for (const auto& line : page) {
        if (line.rfind(".SH ", 0) == 0) {
            if (inside) break;
            inside = line == ".SH " + name;
            continue;
        }
        if (inside) body.push_back(line);
    }
    return body;
}

// EXIT STATUS as ".TP" / ".B <status>" / text with "Codes: \fBcode\fR, …":
// each status with the error codes its entry names.
std::map<int, std::set<std::string>> documented_exit_statuses() {
    std::map<int, std::set<std::string>> statuses;
    auto body = section(man_page(), "EXIT STATUS");
    const std::regex status_line(R"(^\.B (\d+)$)");
    const std::regex code(R"(\\fB([a-z_]+)\\fR)");
    int current = -1;
    for (const auto& line : body) {
        std::smatch m;
        if (std::regex_match(line, m, status_line)) {
            current = std::stoi(m[1]);
            EXPECT_EQ(statuses.count(current), 0u) << "status " << current << " listed twice";
            statuses[current];
        } else if (current >= 0 && line.rfind("Codes:", 0) == 0) {
            for (std::sregex_iterator it(line.begin(), line.end(), code), end; it != end; ++it)
                statuses[current].insert((*it)[1]);
        }
    }
    return statuses;
}

}  // namespace

TEST(CliManPage, ExitStatusListHasEveryErrorCodeUnderItsExitCode) {
    auto documented = documented_exit_statuses();
    ASSERT_FALSE(documented.empty()) << "no EXIT STATUS entries found in cli/minions.1";
    for (const ErrorKind* kind = error_kinds_begin(); kind != error_kinds_end(); ++kind) {
        std::string code(kind->code);
        ASSERT_EQ(documented.count(kind->exit_code), 1u)
            << "exit status " << kind->exit_code << " (" << code << ") is not in minions(1)";
        EXPECT_EQ(documented[kind->exit_code].count(code), 1u)
            << code << " should be listed under exit status " << kind->exit_code;
    }
}

TEST(CliManPage, ExitStatusListNamesNoCodeTheTableDoesNotHave) {
    std::map<std::string, int> table;
    for (const ErrorKind* kind = error_kinds_begin(); kind != error_kinds_end(); ++kind)
        table[std::string(kind->code)] = kind->exit_code;
    for (const auto& [status, codes] : documented_exit_statuses())
        for (const auto& code : codes) {
            ASSERT_EQ(table.count(code), 1u) << "minions(1) lists '" << code << "', which the error table lacks";
            EXPECT_EQ(table[code], status) << code;
        }
}

TEST(CliManPage, ExitStatusListHasSuccessAndExecsOwnFailure) {
    auto documented = documented_exit_statuses();
    EXPECT_EQ(documented.count(0), 1u);
    EXPECT_EQ(documented.count(kExitFailure), 1u);
    EXPECT_EQ(documented.count(kExitUsage), 1u);
    ASSERT_EQ(documented.count(kExitExecFailed), 1u);
    EXPECT_TRUE(documented[kExitExecFailed].empty());
}

TEST(CliManPage, EveryCommandIsDescribed) {
    std::string commands;
    for (const auto& line : section(man_page(), "COMMANDS")) commands += line + "\n";
    for (const auto& name : cli::command_names())
        EXPECT_NE(commands.find("\\fB" + name + "\\fR"), std::string::npos) << name << " is not in COMMANDS";
}

TEST(CliManPage, EveryReferencedProjectPageExists) {
    // SEE ALSO's pages of this project, and where the tree keeps them.
    const std::map<std::string, std::string> ours{{"minions\\-rest (8)", "/rest-bridge/minions-rest.8"}};
    std::string see_also;
    for (const auto& line : section(man_page(), "SEE ALSO")) see_also += line + "\n";
    for (const auto& [reference, path] : ours)
        if (see_also.find(reference) != std::string::npos) {
            std::ifstream page(MINIONS_SOURCE_DIR + path);
            EXPECT_TRUE(page) << "minions(1) refers to " << reference << " but " << path << " does not exist";
        }
}

TEST(CliManPage, MinionsRestPageDocumentsEveryOption) {
    // Options as the bridge's parser declares them: app.add_option("--name", …).
    std::ifstream source(MINIONS_SOURCE_DIR "/rest-bridge/server_options.cpp");
    ASSERT_TRUE(source);
    std::stringstream code;
    code << source.rdbuf();
    std::string text = code.str();
    std::string page;
    for (const auto& line : lines_of(MINIONS_SOURCE_DIR "/rest-bridge/minions-rest.8")) page += line + "\n";
    const std::regex option(R"re(add_(?:option|flag)\(\s*"(--[a-z-]+))re");
    int found = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), option), end; it != end; ++it, ++found) {
        std::string name = (*it)[1];
        std::string escaped;  // roff writes "-" as "\-"
        for (char c : name) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
        EXPECT_NE(page.find(escaped), std::string::npos) << name << " is not in minions-rest(8)";
    }
    EXPECT_GT(found, 0);
}
