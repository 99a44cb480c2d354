// `cmake --install <build> --prefix /usr` with DESTDIR: every file lands in
// its standard place (GNUInstallDirs), nothing else is installed, programs
// are executable, and the files that name other installed files name them
// at their installed paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "install/run.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;

class Install : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        destdir_ = new fs::path(make_temp_dir("minions-install-"));
        auto r = run({MINIONS_CMAKE, "--install", MINIONS_BINARY_DIR, "--prefix", "/usr"},
                     {{"DESTDIR", destdir_->string()}});
        install_output_ = new std::string("exit " + std::to_string(r.exit_code) + ":\n" + r.output);
        installed_ = r.exit_code == 0;
    }
    static void TearDownTestSuite() {
        std::error_code ignored;
        fs::remove_all(*destdir_, ignored);
        delete destdir_;
        delete install_output_;
    }
    void SetUp() override { ASSERT_TRUE(installed_) << *install_output_; }

    static const fs::path& destdir() { return *destdir_; }
    static fs::path installed(const std::string& relative) { return destdir() / relative; }

    static std::set<std::string> installed_files() {
        std::set<std::string> files;
        for (const auto& entry : fs::recursive_directory_iterator(destdir()))
            if (!entry.is_directory() || entry.is_symlink()) files.insert(fs::relative(entry.path(), destdir()).string());
        return files;
    }

private:
    static inline fs::path* destdir_ = nullptr;
    static inline std::string* install_output_ = nullptr;
    static inline bool installed_ = false;
};

// Every file of guest/image/ goes to the image builder's side.
std::set<std::string> guest_image_files() {
    std::set<std::string> files;
    const fs::path source = fs::path(MINIONS_SOURCE_DIR) / "guest/image";
    for (const auto& entry : fs::recursive_directory_iterator(source))
        if (entry.is_regular_file())
            files.insert("usr/share/minions/guest/image/" + fs::relative(entry.path(), source).string());
    return files;
}

TEST_F(Install, PutsExactlyTheseFilesInTheirStandardPlaces) {
    std::set<std::string> expected = {
        // programs
        "usr/bin/minions",
        "usr/bin/minions-rest",
        "usr/sbin/minions-setup",
        "usr/libexec/minions/minionsd",
        "usr/libexec/minions/minions-agent",
        // guest image builder
        "usr/share/minions/guest/build-image.sh",
        // systemd
        "usr/lib/systemd/system/minionsd.service",
        "usr/lib/systemd/system/minions-rest.service",
        "usr/lib/tmpfiles.d/minions.conf",
        "usr/lib/sysusers.d/minions.conf",
        // D-Bus: activation, bus policy, interfaces
        "usr/share/dbus-1/system-services/org.minions.Manager.service",
        "usr/share/dbus-1/system.d/org.minions.Manager.conf",
        "usr/share/dbus-1/interfaces/org.minions.Manager.xml",
        "usr/share/dbus-1/interfaces/org.minions.VM.xml",
        // polkit
        "usr/share/polkit-1/actions/org.minions.policy",
        "usr/share/polkit-1/rules.d/50-org.minions.rules",
        // CLI documentation and completion
        "usr/share/man/man1/minions.1",
        "usr/share/man/man8/minions-rest.8",
        "usr/share/bash-completion/completions/minions",
        // default configuration: /etc for the /usr prefix
        "etc/minions/minionsd.conf",
    };
    auto image = guest_image_files();
    ASSERT_FALSE(image.empty());
    expected.insert(image.begin(), image.end());

    auto actual = installed_files();
    std::vector<std::string> missing, unexpected;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(unexpected));
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& f : v) s += "\n  " + f;
        return s.empty() ? std::string(" none") : s;
    };
    EXPECT_TRUE(missing.empty() && unexpected.empty())
        << "missing:" << join(missing) << "\nunexpected:" << join(unexpected);
}

TEST_F(Install, ProgramsAndScriptsAreExecutable) {
    std::vector<std::string> programs = {
        "usr/bin/minions", "usr/bin/minions-rest", "usr/sbin/minions-setup", "usr/libexec/minions/minionsd",
        "usr/libexec/minions/minions-agent", "usr/share/minions/guest/build-image.sh"};
    // The guest's init scripts keep their modes from the source tree.
    const fs::path source = fs::path(MINIONS_SOURCE_DIR) / "guest/image";
    for (const auto& entry : fs::recursive_directory_iterator(source))
        if (entry.is_regular_file() && (entry.status().permissions() & fs::perms::owner_exec) != fs::perms::none)
            programs.push_back("usr/share/minions/guest/image/" + fs::relative(entry.path(), source).string());
    for (const auto& program : programs) {
        auto perms = fs::status(installed(program)).permissions();
        EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none) << program;
        EXPECT_NE(perms & fs::perms::others_exec, fs::perms::none) << program;
    }
    for (const auto& data : {"etc/minions/minionsd.conf", "usr/share/polkit-1/actions/org.minions.policy",
                             "usr/share/dbus-1/system.d/org.minions.Manager.conf"}) {
        auto perms = fs::status(installed(data)).permissions();
        EXPECT_EQ(perms & fs::perms::owner_exec, fs::perms::none) << data;
        EXPECT_NE(perms & fs::perms::others_read, fs::perms::none) << data;
    }
}

TEST_F(Install, ActivationAndUnitsNameTheInstalledDaemon) {
    auto activation = read_text(installed("usr/share/dbus-1/system-services/org.minions.Manager.service"));
    EXPECT_NE(activation.find("\nExec=/usr/libexec/minions/minionsd\n"), std::string::npos) << activation;
    EXPECT_NE(activation.find("\nName=org.minions.Manager\n"), std::string::npos) << activation;
    EXPECT_NE(activation.find("\nSystemdService=minionsd.service\n"), std::string::npos) << activation;

    auto unit = read_text(installed("usr/lib/systemd/system/minionsd.service"));
    EXPECT_NE(unit.find("\nExecStart=/usr/libexec/minions/minionsd\n"), std::string::npos) << unit;
    auto rest = read_text(installed("usr/lib/systemd/system/minions-rest.service"));
    EXPECT_NE(rest.find("\nExecStart=/usr/bin/minions-rest "), std::string::npos) << rest;
}

// systemd's own reading of the installed units' sandboxing (0 = fully
// locked down, 10 = exposed). The bridge must stay "OK" (3.0 or better);
// minionsd must not fall behind the score docs/OPERATIONS.md records.
double exposure(const fs::path& unit) {
    auto r = run({"systemd-analyze", "security", "--offline=yes", "--no-pager", unit.string()});
    const std::string marker = "Overall exposure level for " + unit.filename().string() + ": ";
    auto at = r.output.find(marker);
    if (r.exit_code != 0 || at == std::string::npos) {
        ADD_FAILURE() << "systemd-analyze security failed on " << unit << " (exit " << r.exit_code << "):\n" << r.output;
        return 10.0;
    }
    return std::stod(r.output.substr(at + marker.size()));
}

TEST_F(Install, UnitsAreSandboxedAsRecorded) {
    EXPECT_LE(exposure(installed("usr/lib/systemd/system/minions-rest.service")), 3.0);
    EXPECT_LE(exposure(installed("usr/lib/systemd/system/minionsd.service")), 3.6);
    // The bridge holds no capability at all, whatever the score weighs.
    auto rest = read_text(installed("usr/lib/systemd/system/minions-rest.service"));
    EXPECT_NE(rest.find("\nCapabilityBoundingSet=\n"), std::string::npos) << rest;
    EXPECT_NE(rest.find("\nUser=minions-rest\n"), std::string::npos) << rest;
}

// An operator's edits to the configuration survive an upgrade's install.
TEST_F(Install, AReinstallKeepsAnEditedConfiguration) {
    const fs::path config = installed("etc/minions/minionsd.conf");
    std::ofstream(config, std::ios::app) << "# edited by the operator\n";
    auto r = run({MINIONS_CMAKE, "--install", MINIONS_BINARY_DIR, "--prefix", "/usr"},
                 {{"DESTDIR", destdir().string()}});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Keeping: " + config.string()), std::string::npos) << r.output;
    EXPECT_NE(read_text(config).find("# edited by the operator\n"), std::string::npos);
}

TEST_F(Install, InstalledProgramsRun) {
    for (const auto& program : {"usr/bin/minions", "usr/bin/minions-rest", "usr/libexec/minions/minionsd"}) {
        auto r = run({installed(program).string(), "--version"});
        EXPECT_EQ(r.exit_code, 0) << program << ": " << r.output;
        EXPECT_NE(r.output.find("0."), std::string::npos) << program << ": " << r.output;
    }
    auto help = run({"bash", installed("usr/share/minions/guest/build-image.sh").string(), "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.output;
}

// The installed minions-setup finds the installed image builder and agent
// next to itself (prefix/share/minions/guest, prefix/libexec/minions).
TEST_F(Install, InstalledSetupFindsTheImageBuilderAndAgent) {
    fs::path work = make_temp_dir("minions-install-setup-");
    fs::path config = work / "minionsd.conf";
    std::ofstream(config) << "[paths]\nstate_dir = " << (work / "lib").string() << "\nvms_dir = "
                          << (work / "lib/vms").string() << "\nkernel_dir = " << (work / "kernel").string()
                          << "\nimage_dir = " << (work / "images").string()
                          << "\nrun_dir = " << (work / "run").string() << "\n";
    auto r = run({"bash", installed("usr/sbin/minions-setup").string(), "--dry-run", "--config", config.string(),
                  "--group", "root", "--netns", "minions-install-test"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::string expected = "[dry-run] bash " + installed("usr/share/minions/guest/build-image.sh").string() +
                           " --kernel-dir " + (work / "kernel").string() + " --image-dir " +
                           (work / "images").string() + " --agent " +
                           installed("usr/libexec/minions/minions-agent").string() + "\n";
    EXPECT_NE(r.output.find(expected), std::string::npos) << "expected: " << expected << "output:\n" << r.output;
    EXPECT_FALSE(fs::exists(work / "lib"));
    fs::remove_all(work);
}

}  // namespace
}  // namespace minions::test
