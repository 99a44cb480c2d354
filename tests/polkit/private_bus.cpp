// PrivateBus: scripts/private-bus.sh driven from a test, plus the polkit
// files polkitd must find in the system directories.
#include "private_bus.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
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
const fs::path kActionsDir = "/usr/share/polkit-1/actions";
const fs::path kRulesDir = "/etc/polkit-1/rules.d";

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
    // polkitd reads these as its own user.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
}

// The project's polkit files are shared by every test process running at
// the same time (ctest -j): each registers itself as a holder, and the
// files go when the last holder does. flock keeps the bookkeeping atomic.
class PolkitFiles {
public:
    static void acquire() {
        Lock lock;
        fs::create_directories(holders());
        write_file(holders() / std::to_string(::getpid()), "");
        for (const auto& [from, to] : files()) {
            fs::create_directories(to.parent_path());
            fs::copy_file(from, to, fs::copy_options::overwrite_existing);
            fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write |
                                    fs::perms::group_read | fs::perms::others_read);
        }
    }

    static void release() {
        Lock lock;
        fs::remove(holders() / std::to_string(::getpid()));
        bool others = false;
        for (const auto& entry : fs::directory_iterator(holders())) {
            pid_t pid = std::atoi(entry.path().filename().c_str());
            if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM))
                others = true;
            else
                fs::remove(entry.path());  // a test process that died without cleaning up
        }
        if (others) return;
        for (const auto& [from, to] : files()) fs::remove(to);
    }

private:
    struct Lock {
        Lock() {
            auto path = fs::temp_directory_path() / "minions-test-polkit.lock";
            fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
            if (fd < 0 || ::flock(fd, LOCK_EX) != 0)
                throw std::runtime_error("cannot lock " + path.string());
        }
        ~Lock() { ::close(fd); }
        Lock(const Lock&) = delete;
        Lock& operator=(const Lock&) = delete;
        int fd = -1;
    };

    static fs::path holders() { return fs::temp_directory_path() / "minions-test-polkit.holders"; }

    static std::vector<std::pair<fs::path, fs::path>> files() {
        return {{kSource / "polkit/org.minions.policy", kActionsDir / "org.minions.policy"},
                {kSource / "polkit/50-org.minions.rules", kRulesDir / "50-org.minions.rules"}};
    }
};

}  // namespace

PrivateBus::PrivateBus(const Options& options) {
    if (::geteuid() != 0)
        throw std::runtime_error("the private bus harness needs root (polkit files, other users)");
    std::string pattern = (fs::temp_directory_path() / "minions-bus-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    dir_ = pattern;

    if (const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
        had_address_ = true;
        saved_address_ = old;
    }
    try {
        if (options.install_polkit_files) {
            PolkitFiles::acquire();
            polkit_files_ = true;
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
    for (const auto& file : rules_) fs::remove(file, ignored);
    rules_.clear();
    if (polkit_files_) {
        polkit_files_ = false;
        try {
            PolkitFiles::release();
        } catch (const std::exception&) {
        }
    }
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
    fs::path path = kRulesDir / file_name;
    write_file(path, javascript);
    rules_.push_back(path);
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
