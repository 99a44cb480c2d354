// cli/minions.bash-completion in a real bash, driven as bash-completion's
// own tests drive completion functions: set COMP_LINE, COMP_POINT,
// COMP_WORDS and COMP_CWORD, call the function, read COMPREPLY. VM names
// come from a stub `minions` first on PATH that logs how it was called.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "rest/child_process.hpp"

namespace fs = std::filesystem;
using minions::test::run_process;

namespace {

using Words = std::set<std::string>;

class CliCompletion : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/minions-completion-XXXXXX";
        ASSERT_NE(mkdtemp(dir_template), nullptr);
        dir_ = dir_template;
        fs::create_directories(dir_ / "bin");
        fs::create_directories(dir_ / "home");
        std::ofstream(dir_ / "token") << "t\n";
        std::ofstream stub(dir_ / "bin/minions");
        stub << "#!/bin/sh\n"
                "printf '%s\\n' \"$*\" >> \"$STUB_LOG\"\n"
                "printf 'NAME    STATUS   IP\\nweb     running  10.0.0.2\\nwebapp  stopped  10.0.0.3\\n"
                "db      running  10.0.0.4\\n'\n";
        stub.close();
        fs::permissions(dir_ / "bin/minions", fs::perms::owner_all);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // COMPREPLY for the line, completed at its end.
    Words complete(const std::string& line) {
        std::string script =
            "source \"$COMPLETION\"\n"
            "cd \"$WORKDIR\"\n"
            "COMP_LINE=$LINE; COMP_POINT=${#COMP_LINE}\n"
            // As bash splits words: at blanks, and around its word breaks ':' and '='.
            "read -ra COMP_WORDS <<<\"$(sed -E 's/([:=]+)/ \\1 /g' <<<\"$LINE\")\"\n"
            "[[ $LINE == *' ' ]] && COMP_WORDS+=('')\n"
            "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
            "_minions minions \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "for w in \"${COMPREPLY[@]}\"; do printf '%s\\n' \"$w\"; done\n";
        auto r = run_process({"/bin/bash", "--norc", "--noprofile", "-c", script},
                             {{"COMPLETION", MINIONS_SOURCE_DIR "/cli/minions.bash-completion"},
                              {"LINE", line},
                              {"WORKDIR", dir_.string()},
                              {"HOME", (dir_ / "home").string()},
                              {"STUB_LOG", log().string()},
                              {"PATH", (dir_ / "bin").string() + ":/usr/bin:/bin"}});
        EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.err;
        EXPECT_TRUE(r.err.empty()) << line << "\n" << r.err;
        Words words;
        std::istringstream out(r.out);
        for (std::string word; std::getline(out, word);) words.insert(word);
        return words;
    }

    fs::path log() const { return dir_ / "stub.log"; }
    // The stub's calls, one line of arguments each.
    std::vector<std::string> stub_calls() const {
        std::vector<std::string> calls;
        std::ifstream in(log());
        for (std::string line; std::getline(in, line);) calls.push_back(line);
        return calls;
    }

    fs::path dir_;
};

const Words kVms{"web", "webapp", "db"};

}  // namespace

TEST_F(CliCompletion, OffersEveryCommandTheParserKnows) {
    auto names = minions::cli::command_names();
    EXPECT_EQ(complete("minions "), Words(names.begin(), names.end()));
    EXPECT_TRUE(complete("minions ").count("version"));
    EXPECT_TRUE(complete("minions ").count("help"));
    EXPECT_EQ(complete("minions st"), (Words{"start", "stop", "status"}));
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(CliCompletion, OffersGlobalOptionsBeforeAndAfterTheCommand) {
    Words globals{"--json", "--host", "--token", "--token-file", "--timeout", "--help"};
    auto before = complete("minions --");
    for (const auto& option : globals) EXPECT_TRUE(before.count(option)) << option;
    EXPECT_TRUE(before.count("--version"));
    auto after = complete("minions info web --");
    for (const auto& option : globals) EXPECT_TRUE(after.count(option)) << option;
    EXPECT_EQ(complete("minions list --tok"), (Words{"--token", "--token-file"}));
    EXPECT_EQ(complete("minions create x --c"), (Words{"--cpus"}));
}

TEST_F(CliCompletion, OffersVmNamesWhereAVmIsExpected) {
    for (std::string command : {"info", "start", "stop", "restart", "rename", "cp", "destroy", "exec", "status",
                                "logs", "ssh"})
        EXPECT_EQ(complete("minions " + command + " "), kVms) << command;
    EXPECT_EQ(complete("minions stop --force we"), (Words{"web", "webapp"}));
    EXPECT_EQ(complete("minions --json info d"), (Words{"db"}));
}

TEST_F(CliCompletion, OffersNothingAfterHost) {
    EXPECT_TRUE(complete("minions --host ").empty());
    EXPECT_TRUE(complete("minions --host http").empty());
    EXPECT_TRUE(complete("minions info --host ").empty());
    EXPECT_TRUE(complete("minions --host=").empty());
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(CliCompletion, AUrlWithAPortIsOneWordAndTheCommandFollowsIt) {
    // bash's word breaks split "http://h:3000" at ':'; the URL is still one value.
    auto names = minions::cli::command_names();
    EXPECT_EQ(complete("minions --host http://h:3000 "), Words(names.begin(), names.end()));
    EXPECT_EQ(complete("minions --host http://h:3000 start "), kVms);
}

TEST_F(CliCompletion, VmNamesComeFromTheServerTheLineNames) {
    complete("minions --host http://h:3000 --token-file ~/t start ");
    auto home = (dir_ / "home").string();
    EXPECT_EQ(stub_calls(), (std::vector<std::string>{"--host http://h:3000 --token-file " + home + "/t list"}));
}

TEST_F(CliCompletion, OffersNothingForTheGuestCommandAfterDashDash) {
    EXPECT_TRUE(complete("minions exec web -- ").empty());
    EXPECT_TRUE(complete("minions exec web -- l").empty());
    EXPECT_TRUE(complete("minions exec web -- ls --").empty());
    EXPECT_TRUE(complete("minions ssh web -- -").empty());
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(CliCompletion, OffersTheDashDashAfterExecsVm) {
    EXPECT_EQ(complete("minions exec web "), (Words{"--"}));
    EXPECT_TRUE(complete("minions exec web -").count("--"));
}

TEST_F(CliCompletion, OffersNothingWhereNoArgumentExists) {
    for (std::string line : {"minions list ", "minions ls ", "minions version ", "minions create ",
                             "minions rename web ", "minions cp web ", "minions info web ", "minions logs web ",
                             "minions help stop "})
        EXPECT_TRUE(complete(line).empty()) << line;
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(CliCompletion, OffersNothingAsAnOptionsValue) {
    for (std::string line : {"minions create web --cpus ", "minions create web --memory ", "minions --timeout ",
                             "minions logs web --bytes ", "minions --token "})
        EXPECT_TRUE(complete(line).empty()) << line;
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(CliCompletion, OffersFilesForTokenFileAndSshKey) {
    EXPECT_EQ(complete("minions --token-file to"), (Words{"token"}));
    EXPECT_EQ(complete("minions --token-file=to"), (Words{"token"}));
    EXPECT_EQ(complete("minions create web --ssh-key to"), (Words{"token"}));
}

TEST_F(CliCompletion, HelpOffersCommands) {
    EXPECT_EQ(complete("minions help re"), (Words{"restart", "rename"}));
}

TEST_F(CliCompletion, OffersNothingWhenTheServerCannotAnswer) {
    std::ofstream(dir_ / "bin/minions") << "#!/bin/sh\necho 'error: cannot reach' >&2\nexit 10\n";
    EXPECT_TRUE(complete("minions info ").empty());
}
