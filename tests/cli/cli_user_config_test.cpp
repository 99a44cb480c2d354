// Where remote mode's token and host come from: --token, --token-file,
// MINIONS_API_KEY, then ~/.config/minions/config (token_file, token, host);
// a token file anyone but its owner may access is refused, as ssh refuses
// such a private key.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "user_config.hpp"

namespace fs = std::filesystem;
using namespace minions;
using namespace minions::cli;

namespace {

class CliUserConfig : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/minions-user-config-XXXXXX";
        ASSERT_NE(mkdtemp(dir_template), nullptr);
        home_ = dir_template;
        fs::create_directories(home_ / ".config/minions");
        if (const char* home = getenv("HOME")) saved_home_ = home;
        setenv("HOME", home_.c_str(), 1);
        unsetenv("MINIONS_API_KEY");
    }
    void TearDown() override {
        if (saved_home_) setenv("HOME", saved_home_->c_str(), 1);
        unsetenv("MINIONS_API_KEY");
        fs::remove_all(home_);
    }

    std::string file(const std::string& name, const std::string& content, mode_t mode) {
        auto path = (home_ / name).string();
        std::ofstream(path) << content;
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);
        return path;
    }
    void config(const std::string& content) { std::ofstream(home_ / ".config/minions/config") << content; }

    fs::path home_;
    std::optional<std::string> saved_home_;
};

ErrorKind kind_of_failure(const std::string& path, std::string* message = nullptr) {
    try {
        read_token_file(path);
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.kind();
    }
    ADD_FAILURE() << path << " was accepted";
    return error_kind(Errc::Internal);
}

}  // namespace

TEST_F(CliUserConfig, ATokenFileOnlyItsOwnerCanReadIsRead) {
    EXPECT_EQ(read_token_file(file("t", "  secret\n", 0600)), "secret");
    EXPECT_EQ(read_token_file(file("r", "secret", 0400)), "secret");
}

TEST_F(CliUserConfig, ATokenFileOthersCanReadIsRefusedWithTheFix) {
    std::string message;
    auto path = file("t", "secret\n", 0644);
    EXPECT_EQ(kind_of_failure(path, &message).errc, Errc::InvalidArgument);
    EXPECT_NE(message.find("0644"), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600 " + path), std::string::npos) << message;
}

TEST_F(CliUserConfig, ATokenFileTheGroupCanAccessIsRefused) {
    EXPECT_EQ(kind_of_failure(file("t", "secret\n", 0640)).errc, Errc::InvalidArgument);
    EXPECT_EQ(kind_of_failure(file("w", "secret\n", 0620)).errc, Errc::InvalidArgument);
}

TEST_F(CliUserConfig, AMissingOrEmptyTokenFileIsRefused) {
    std::string message;
    EXPECT_EQ(kind_of_failure((home_ / "absent").string(), &message).errc, Errc::InvalidArgument);
    EXPECT_NE(message.find("absent"), std::string::npos) << message;
    EXPECT_EQ(kind_of_failure(file("e", " \n", 0600), &message).errc, Errc::InvalidArgument);
    EXPECT_NE(message.find("is empty"), std::string::npos) << message;
}

TEST_F(CliUserConfig, TheTokenIsTheFirstOfFlagFileEnvironmentAndConfig) {
    auto flag_file = file("flag", "from-flag-file", 0600);
    file("conf", "from-config-file", 0600);
    config("token_file = ~/conf\ntoken = from-config\n");
    setenv("MINIONS_API_KEY", "from-env", 1);
    EXPECT_EQ(resolve_token(std::string("from-flag"), std::nullopt), "from-flag");
    EXPECT_EQ(resolve_token(std::nullopt, flag_file), "from-flag-file");
    EXPECT_EQ(resolve_token(std::nullopt, std::nullopt), "from-env");
    unsetenv("MINIONS_API_KEY");
    EXPECT_EQ(resolve_token(std::nullopt, std::nullopt), "from-config-file");
    config("token = from-config\n");
    EXPECT_EQ(resolve_token(std::nullopt, std::nullopt), "from-config");
    config("# nothing\n");
    EXPECT_EQ(resolve_token(std::nullopt, std::nullopt), std::nullopt);
}

TEST_F(CliUserConfig, ARelativeTokenFileInTheConfigIsInTheHomeDirectory) {
    file("tok", "relative", 0600);
    config("token_file = tok\n");
    EXPECT_EQ(resolve_token(std::nullopt, std::nullopt), "relative");
}

TEST_F(CliUserConfig, TheConfigsTokenFileFollowsTheSameRule) {
    file("tok", "secret", 0644);
    config("token_file = ~/tok\n");
    EXPECT_THROW(resolve_token(std::nullopt, std::nullopt), Error);
}

TEST_F(CliUserConfig, TheConfigsHostIsUsedWithoutHost) {
    EXPECT_EQ(resolve_host(std::nullopt), std::nullopt);
    config("host = http://h:3000\n");
    EXPECT_EQ(resolve_host(std::nullopt), "http://h:3000");
    EXPECT_EQ(resolve_host(std::string("http://other:1")), "http://other:1");
    EXPECT_EQ(resolve_host(std::string("")), std::nullopt);  // --host '' forces local mode
}
