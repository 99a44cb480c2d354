#include "service_fixture.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>

namespace minions::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path ServiceTest::root_;
ServiceTest::Options ServiceTest::options_;
std::string ServiceTest::netns_;

namespace {

constexpr const char* kBusName = "org.minions.Manager";
constexpr const char* kManagerPath = "/org/minions";
constexpr const char* kManagerIface = "org.minions.Manager";
constexpr const char* kVmIface = "org.minions.VM";

fs::path binary(const std::string& relative) { return fs::path(MINIONS_BINARY_DIR) / relative; }

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Every process whose command line mentions the suite's root: the VMMs
// (ch-double) and their agents, which are detached from minionsd on purpose.
void kill_processes_under(const fs::path& root) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string pid = entry.path().filename();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find(root.string()) != std::string::npos && std::stoi(pid) != getpid())
            ::kill(std::stoi(pid), SIGKILL);
    }
}

bool name_has_owner(sdbus::IConnection& connection) {
    auto proxy = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool owned = false;
    proxy->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(std::string(kBusName)).storeResultsTo(owned);
    return owned;
}

Outcome capture(const std::function<void()>& call) {
    Outcome outcome;
    try {
        call();
        outcome.ok = true;
    } catch (const sdbus::Error& e) {
        outcome.error_name = e.getName();
        outcome.error_message = e.getMessage();
    }
    return outcome;
}

}  // namespace

std::string str(const sdbus::Variant& v) { return v.get<std::string>(); }
uint32_t u32(const sdbus::Variant& v) { return v.get<uint32_t>(); }
int64_t i64(const sdbus::Variant& v) { return v.get<int64_t>(); }

void ServiceTest::start_service(const Options& options) {
    options_ = options;
    char tmpl[] = "/tmp/minions-svc-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    netns_ = "minions-t" + std::to_string(getpid());
    for (const char* dir : {"state", "vms", "kernel", "images", "run"}) fs::create_directories(root_ / dir);
    fs::path kernel_dir = root_ / "kernel";
    fs::path image_dir = root_ / "images";
    if (options.hypervisor == "qemu") {
        kernel_dir = options.guest_kernel_dir;
        image_dir = options.guest_image_dir;
    } else {
        // The double never reads the kernel; the base image is a real, small ext4.
        write_file(kernel_dir / "vmlinuz", "test kernel\n");
        write_file(kernel_dir / "initrd.img", "test initramfs\n");
        run_checked({"mkfs.ext4", "-q", "-F", (image_dir / "base.ext4").string(), "64M"});
    }
    std::string gateway = options.subnet.substr(0, options.subnet.find('/'));

    std::ostringstream config;
    config << "[paths]\nstate_dir = " << (root_ / "state").string() << "\nvms_dir = " << vms_dir().string()
           << "\nkernel_dir = " << kernel_dir.string() << "\nimage_dir = " << image_dir.string()
           << "\nrun_dir = " << run_dir().string() << "\n\n[network]\nbridge = mbr0\nsubnet = " << options.subnet
           << "\nnetns = " << netns_ << "\ndns = " << gateway << "\n\n[hypervisor]\nhypervisor = " << options.hypervisor
           << "\naccel = tcg\ncloud_hypervisor_binary = " << binary("tests/ch-double/ch-double").string()
           // As installed, every VMM runs as its own uid; `nobody`'s group
           // (nogroup) stands in for minions-vm, which tests do not create.
           << "\nvmm_user = nobody"
           << "\n\n[vm]\ndefault_memory_mb = " << options.memory_mb
           << "\nconsole_log_max_mb = " << options.console_log_max_mb
           << "\n\n[timeouts]\nagent_ready_timeout = " << options.agent_ready_timeout_s
           << "\nstop_timeout = 10\nexec_timeout = 20\nauth_timeout = " << options.auth_timeout_s << "\n";
    write_file(config_file(), config.str());

    start_bus({});
    set_daemon_env({});
}

void ServiceTest::TearDownTestSuite() {
    if (daemon_pid()) kill_daemon(SIGTERM);
    kill_processes_under(root_);
    run_as(root_identity(), {"ip", "netns", "delete", netns_});
    PrivateBusTest::TearDownTestSuite();
    std::error_code ec;
    fs::remove_all(root_, ec);
}

fs::path ServiceTest::guest_program(const fs::path& program) {
    const fs::path copy = root_ / "guest-programs" / program.filename();
    fs::create_directories(copy.parent_path());
    // Beside it, then renamed over it: the old copy may be running.
    const fs::path fresh = copy.string() + ".new";
    fs::copy_file(program, fresh, fs::copy_options::overwrite_existing);
    fs::permissions(fresh, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    fs::rename(fresh, copy);
    return copy;
}

void ServiceTest::set_daemon_env(const std::map<std::string, std::string>& env) {
    std::ostringstream exec;
    // Through sh for the redirection: the daemon's log is kept for the tests to read.
    exec << "/bin/sh -c \"exec /usr/bin/env MINIONS_CH_DOUBLE_AGENT="
         << guest_program(binary("guest/agent/minions-agent")).string()
         << " MINIONS_CH_DOUBLE_REBOOT_MS=300";
    for (const auto& [key, value] : env) exec << " " << key << "=" << value;
    exec << " " << binary("service/daemon/minionsd").string() << " --config " << config_file().string() << " 2>>"
         << daemon_log().string() << "\"";
    write_file(bus().services_dir() / "org.minions.Manager.service",
               "[D-BUS Service]\nName=org.minions.Manager\nExec=" + exec.str() + "\nUser=root\n");
}

std::optional<pid_t> ServiceTest::daemon_pid() {
    auto connection = sdbus::createSystemBusConnection();
    auto proxy = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    try {
        uint32_t pid = 0;
        proxy->callMethod("GetConnectionUnixProcessID").onInterface("org.freedesktop.DBus")
            .withArguments(std::string(kBusName)).storeResultsTo(pid);
        return static_cast<pid_t>(pid);
    } catch (const sdbus::Error&) {
        return std::nullopt;
    }
}

void ServiceTest::kill_daemon(int signal) {
    auto pid = daemon_pid();
    if (!pid) return;
    ::kill(*pid, signal);
    auto connection = sdbus::createSystemBusConnection();
    for (int i = 0; i < 200 && name_has_owner(*connection); ++i) std::this_thread::sleep_for(50ms);
    for (int i = 0; i < 200 && ::kill(*pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
}

void ServiceTest::restart_daemon_with(const std::map<std::string, std::string>& env) {
    set_daemon_env(env);
    kill_daemon(SIGTERM);
    // Activate it now, so the test's own calls do not wait for the start-up.
    auto connection = sdbus::createSystemBusConnection();
    std::vector<std::map<std::string, sdbus::Variant>> vms;
    sdbus::createProxy(*connection, kBusName, kManagerPath)
        ->callMethod("ListVms").onInterface(kManagerIface).withTimeout(kCallTimeout).storeResultsTo(vms);
}

void ServiceTest::SetUp() {
    PrivateBusTest::SetUp();
    connection_ = sdbus::createSystemBusConnection();
}

void ServiceTest::TearDown() {
    try {
        for (const auto& vm : list_vms()) call_vm(str(vm.at("Name")), "Destroy", [](sdbus::MethodCall& m) { m << false; });
    } catch (const sdbus::Error&) {
        // A test that killed the daemon on purpose; the suite's teardown cleans up.
    }
    connection_.reset();
}

Outcome ServiceTest::try_create(const std::string& name, uint32_t cpus, uint32_t memory_mb, const std::string& ssh_key) {
    // A connection of its own: a pending call holds a connection, and tests
    // create from one thread while another lists.
    auto connection = sdbus::createSystemBusConnection();
    auto proxy = sdbus::createProxy(*connection, kBusName, kManagerPath);
    return capture([&] {
        sdbus::ObjectPath path;
        proxy->callMethod("Create").onInterface(kManagerIface).withTimeout(kCallTimeout)
            .withArguments(name, cpus, memory_mb, ssh_key, false).storeResultsTo(path);
    });
}

sdbus::ObjectPath ServiceTest::create(const std::string& name, const std::string& ssh_key) {
    auto proxy = sdbus::createProxy(*connection_, kBusName, kManagerPath);
    sdbus::ObjectPath path;
    proxy->callMethod("Create").onInterface(kManagerIface).withTimeout(kCallTimeout)
        .withArguments(name, 0u, 0u, ssh_key, false).storeResultsTo(path);
    return path;
}

std::map<std::string, sdbus::Variant> ServiceTest::get_vm(const std::string& name) {
    auto proxy = sdbus::createProxy(*connection_, kBusName, kManagerPath);
    std::map<std::string, sdbus::Variant> vm;
    proxy->callMethod("GetVm").onInterface(kManagerIface).withTimeout(kCallTimeout).withArguments(name).storeResultsTo(vm);
    return vm;
}

Outcome ServiceTest::try_get_vm(const std::string& name) {
    return capture([&] { get_vm(name); });
}

std::vector<std::map<std::string, sdbus::Variant>> ServiceTest::list_vms() {
    auto proxy = sdbus::createProxy(*connection_, kBusName, kManagerPath);
    std::vector<std::map<std::string, sdbus::Variant>> vms;
    proxy->callMethod("ListVms").onInterface(kManagerIface).withTimeout(kCallTimeout).storeResultsTo(vms);
    return vms;
}

sdbus::ObjectPath ServiceTest::find_vm(const std::string& name) {
    auto proxy = sdbus::createProxy(*connection_, kBusName, kManagerPath);
    sdbus::ObjectPath path;
    proxy->callMethod("FindVm").onInterface(kManagerIface).withArguments(name).storeResultsTo(path);
    return path;
}

Outcome ServiceTest::call_vm(const std::string& name, const std::string& method,
                             const std::function<void(sdbus::MethodCall&)>& args,
                             const std::function<void(sdbus::MethodReply&)>& reply) {
    return capture([&] {
        // A connection of its own: tests call this from several threads at once.
        auto connection = sdbus::createSystemBusConnection();
        sdbus::ObjectPath path;
        sdbus::createProxy(*connection, kBusName, kManagerPath)
            ->callMethod("FindVm").onInterface(kManagerIface).withArguments(name).storeResultsTo(path);
        auto proxy = sdbus::createProxy(*connection, kBusName, path);
        auto call = proxy->createMethodCall(kVmIface, method);
        if (args) args(call);
        auto answer = proxy->callMethod(call, std::chrono::duration_cast<std::chrono::microseconds>(kCallTimeout).count());
        if (reply) reply(answer);
    });
}

void ServiceTest::stop(const std::string& name, bool force) {
    Outcome o = call_vm(name, "Stop", [force](sdbus::MethodCall& m) { m << force << uint32_t{0} << false; });
    if (!o.ok) throw std::runtime_error("stop " + name + ": " + o.error_name + ": " + o.error_message);
}

std::string ServiceTest::property(const sdbus::ObjectPath& path, const std::string& name) {
    auto proxy = sdbus::createProxy(*connection_, kBusName, path);
    sdbus::Variant value = proxy->getProperty(name).onInterface(kVmIface);
    return value.get<std::string>();
}

bool ServiceTest::link_exists(const std::string& link) {
    return run_as(root_identity(), {"ip", "-n", netns_, "link", "show", link}).exit_code == 0;
}

std::vector<std::string> ServiceTest::links_with_prefix(const std::string& prefix) {
    auto result = run_as(root_identity(), {"ip", "-n", netns_, "-o", "link", "show"});
    std::vector<std::string> links;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        // "7: tap-web: <BROADCAST,...": the name sits between the first ": " and the next ':' or '@'.
        auto start = line.find(": ");
        if (start == std::string::npos) continue;
        start += 2;
        auto end = line.find_first_of(":@", start);
        std::string name = line.substr(start, end - start);
        if (name.rfind(prefix, 0) == 0) links.push_back(name);
    }
    return links;
}

fs::path ServiceTest::sandbox_of(const std::string& id) { return run_dir() / id / "ch-agent-sandbox"; }
fs::path ServiceTest::api_socket_of(const std::string& id) { return run_dir() / id / "api.sock"; }

namespace {

// ch-double processes of this suite, by the VM id in their socket path.
std::set<std::string> vmm_ids(const fs::path& run_dir) {
    std::set<std::string> ids;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find("ch-double") == std::string::npos) continue;
        auto at = cmdline.find(run_dir.string() + "/");
        if (at == std::string::npos) continue;
        ids.insert(cmdline.substr(at + run_dir.string().size() + 1, 16));
    }
    return ids;
}

std::set<std::string> dir_names(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
    return names;
}

}  // namespace

void ServiceTest::expect_consistent() {
    auto vms = list_vms();
    std::set<std::string> ids, running_ids, ips, taps;
    for (const auto& vm : vms) {
        std::string id = str(vm.at("Id"));
        ids.insert(id);
        EXPECT_TRUE(ips.insert(str(vm.at("Ip"))).second) << "duplicate address " << str(vm.at("Ip"));
        std::string status = str(vm.at("Status"));
        EXPECT_THAT(status, ::testing::AnyOf("running", "stopped", "error")) << str(vm.at("Name"));
        if (status == "running") {
            running_ids.insert(id);
            taps.insert("tap-" + str(vm.at("Name")));
        }
        EXPECT_TRUE(fs::exists(vms_dir() / id / "rootfs.ext4")) << "lost the disk of " << str(vm.at("Name"));
    }
    EXPECT_EQ(dir_names(vms_dir()), ids) << "orphan or missing VM directories";
    std::set<std::string> runtime = dir_names(run_dir());
    for (const auto& name : runtime) EXPECT_TRUE(running_ids.contains(name)) << "orphan socket dir " << name;
    auto links = links_with_prefix("tap-");
    EXPECT_EQ(std::set<std::string>(links.begin(), links.end()), taps) << "orphan or missing TAPs";
    EXPECT_EQ(vmm_ids(run_dir()), running_ids) << "orphan or missing VMM processes";
}

}  // namespace minions::test
