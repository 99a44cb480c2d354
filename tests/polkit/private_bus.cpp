// PrivateBus: scripts/private-bus.sh driven from a test. polkitd's
// configuration lives in the bus's directory (DIR/polkit), which the script
// mounts over the system directories inside polkitd's own mount namespace:
// nothing is written to /usr/share/polkit-1 or /etc/polkit-1, so a host's
// installed files are never read, overwritten or removed, a killed test leaves
// nothing to restore, and parallel test processes (ctest -j) each see only
// their own files.
#include "private_bus.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace minions::test {
namespace fs = std::filesystem;

namespace {

const fs::path kSource = MINIONS_SOURCE_DIR;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
    // polkitd reads these as its own user.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
}

}  // namespace

PrivateBus::PrivateBus(const Options& options) {
    if (::geteuid() != 0)
        throw std::runtime_error("the private bus harness needs root (mount namespace, other users)");
    std::string pattern = (fs::temp_directory_path() / "minions-bus-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    dir_ = pattern;

    if (const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
        had_address_ = true;
        saved_address_ = old;
    }
    try {
        // Always a private view, so polkitd never reads the host's rules.
        fs::create_directories(actions_dir());
        fs::create_directories(rules_dir());
        if (options.install_polkit_files) {
            write_file(actions_dir() / "org.minions.policy", read_file(kSource / "polkit/org.minions.policy"));
            write_file(rules_dir() / "50-org.minions.rules", read_file(kSource / "polkit/50-org.minions.rules"));
        }
        fs::create_directories(dir_ / "bus.d");
        for (const auto& [name, xml] : options.bus_policies) write_file(dir_ / "bus.d" / name, xml);
        script("start");
    } catch (...) {
        cleanup();
        throw;
    }
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address().c_str(), 1);
}

PrivateBus::~PrivateBus() { cleanup(); }

void PrivateBus::cleanup() noexcept {
    try {
        script("stop");
    } catch (const std::exception&) {
        // Best effort: the bus may never have started.
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    if (had_address_)
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", saved_address_.c_str(), 1);
    else
        ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

std::string PrivateBus::address() const { return "unix:path=" + (dir_ / "system_bus_socket").string(); }

void PrivateBus::stop_polkitd() { script("polkitd-stop"); }

void PrivateBus::start_polkitd() { script("polkitd-start"); }

void PrivateBus::install_rules(const std::string& file_name, const std::string& javascript) {
    if (file_name.empty() || file_name.find('/') != std::string::npos || file_name[0] == '.')
        throw std::invalid_argument("not a plain file name: " + file_name);
    write_file(rules_dir() / file_name, javascript);
    start_polkitd();
}

void PrivateBus::script(const std::string& command) {
    run_checked({(kSource / "scripts/private-bus.sh").string(), command, dir_.string()});
}

std::unique_ptr<PrivateBus> PrivateBusTest::bus_;
std::string PrivateBusTest::start_error_;

void PrivateBusTest::start_bus(const PrivateBus::Options& options) {
    bus_.reset();
    start_error_.clear();
    try {
        bus_ = std::make_unique<PrivateBus>(options);
    } catch (const std::exception& e) {
        start_error_ = e.what();
    }
}

void PrivateBusTest::TearDownTestSuite() { bus_.reset(); }

void PrivateBusTest::SetUp() { ASSERT_TRUE(bus_) << "private bus did not start: " << start_error_; }

}  // namespace minions::test
