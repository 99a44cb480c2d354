#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "error.hpp"

namespace minions {
namespace {

// Thrown by a setter with just the complaint; the parser adds "<file>:<line>: <key>".
struct BadValue {
    std::string why;
};

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    std::size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

unsigned parse_count(std::string_view v, unsigned max) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n == 0 || n > max)
        throw BadValue{"expected a whole number from 1 to " + std::to_string(max) + ", got '" +
                       std::string(v) + "'"};
    return n;
}

std::filesystem::path parse_dir(std::string_view v) {
    if (v.empty() || v.front() != '/') throw BadValue{"expected an absolute path, got '" + std::string(v) + "'"};
    return std::filesystem::path(v);
}

std::filesystem::path parse_program(std::string_view v) {
    if (v.empty()) throw BadValue{"expected a program name or path, got nothing"};
    return std::filesystem::path(v);
}

std::string parse_choice(std::string_view v, std::initializer_list<std::string_view> choices) {
    std::string list;
    for (auto c : choices) {
        if (c == v) return std::string(v);
        list += list.empty() ? "" : ", ";
        list += c;
    }
    throw BadValue{"expected one of " + list + ", got '" + std::string(v) + "'"};
}

// Interface and namespace names end up in kernel objects and file names.
std::string parse_ifname(std::string_view v, bool may_be_empty, std::size_t max_len) {
    if (v.empty() && may_be_empty) return {};
    if (v.empty() || v.size() > max_len)
        throw BadValue{"expected 1 to " + std::to_string(max_len) + " characters, got '" + std::string(v) + "'"};
    for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            throw BadValue{"only letters, digits, '-', '_' and '.' are allowed, got '" + std::string(v) + "'"};
    return std::string(v);
}

template <typename F>
auto rethrow_as_bad_value(F&& f) {
    try {
        return f();
    } catch (const Error& e) {
        throw BadValue{e.what()};
    }
}

using Setter = std::function<void(Config&, std::string_view)>;
constexpr unsigned kMaxSeconds = 24 * 3600;

// Every key, under its section; the names match the Config fields.
const std::map<std::string, std::map<std::string, Setter>, std::less<>>& schema() {
    static const std::map<std::string, std::map<std::string, Setter>, std::less<>> table{
        {"paths",
         {
             {"state_dir", [](Config& c, std::string_view v) { c.state_dir = parse_dir(v); }},
             {"vms_dir", [](Config& c, std::string_view v) { c.vms_dir = parse_dir(v); }},
             {"kernel_dir", [](Config& c, std::string_view v) { c.kernel_dir = parse_dir(v); }},
             {"image_dir", [](Config& c, std::string_view v) { c.image_dir = parse_dir(v); }},
             {"run_dir", [](Config& c, std::string_view v) { c.run_dir = parse_dir(v); }},
         }},
        {"network",
         {
             {"bridge", [](Config& c, std::string_view v) { c.bridge = parse_ifname(v, false, 15); }},
             {"subnet",
              [](Config& c, std::string_view v) { c.subnet = rethrow_as_bad_value([&] { return Subnet::parse(v); }); }},
             {"netns", [](Config& c, std::string_view v) { c.netns = parse_ifname(v, true, 64); }},
             {"dns",
              [](Config& c, std::string_view v) {
                  rethrow_as_bad_value([&] { return ipv4_from_string(v); });
                  c.dns = std::string(v);
              }},
         }},
        {"hypervisor",
         {
             {"hypervisor",
              [](Config& c, std::string_view v) { c.hypervisor = parse_choice(v, {"auto", "qemu", "cloud-hypervisor"}); }},
             {"accel", [](Config& c, std::string_view v) { c.accel = parse_choice(v, {"auto", "kvm", "tcg"}); }},
             {"qemu_binary", [](Config& c, std::string_view v) { c.qemu_binary = parse_program(v); }},
             {"cloud_hypervisor_binary",
              [](Config& c, std::string_view v) { c.cloud_hypervisor_binary = parse_program(v); }},
             {"vmm_user", [](Config& c, std::string_view v) { c.vmm_user = parse_ifname(v, true, 32); }},
             {"vmm_uid_base",
              [](Config& c, std::string_view v) {
                  // Every CID (3-65535) must map below 2^31: larger uids are
                  // negative to some tools (systemd calls them "HIC SVNT LEONES").
                  c.vmm_uid_base = parse_count(v, 0x7fffffffu - 65535u);
                  if (c.vmm_uid_base < 65536)
                      throw BadValue{"expected at least 65536 (above regular and system users), got '" +
                                     std::string(v) + "'"};
              }},
         }},
        {"vm",
         {
             {"default_cpus", [](Config& c, std::string_view v) { c.default_cpus = parse_count(v, 256); }},
             {"default_memory_mb",
              [](Config& c, std::string_view v) { c.default_memory_mb = parse_count(v, 1024 * 1024); }},
             {"max_cpus", [](Config& c, std::string_view v) { c.max_cpus = parse_count(v, 256); }},
             {"max_memory_mb", [](Config& c, std::string_view v) { c.max_memory_mb = parse_count(v, 1024 * 1024); }},
             {"console_log_max_mb",
              [](Config& c, std::string_view v) { c.console_log_max_mb = parse_count(v, 1024); }},
         }},
        {"timeouts",
         {
             {"agent_ready_timeout",
              [](Config& c, std::string_view v) { c.agent_ready_timeout = std::chrono::seconds(parse_count(v, kMaxSeconds)); }},
             {"stop_timeout",
              [](Config& c, std::string_view v) { c.stop_timeout = std::chrono::seconds(parse_count(v, kMaxSeconds)); }},
             {"exec_timeout",
              [](Config& c, std::string_view v) { c.exec_timeout = std::chrono::seconds(parse_count(v, kMaxSeconds)); }},
             {"auth_timeout",
              [](Config& c, std::string_view v) { c.auth_timeout = std::chrono::seconds(parse_count(v, kMaxSeconds)); }},
         }},
    };
    return table;
}

[[noreturn]] void fail(const std::string& origin, int line, const std::string& what) {
    throw Error(Errc::InvalidArgument, origin + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Config Config::parse(const std::string& text, const std::string& origin) {
    Config config;
    const std::map<std::string, Setter>* section = nullptr;
    std::string section_name;
    std::map<std::string, int> seen;  // "section.key" -> line, to refuse duplicates
    std::istringstream in(text);
    std::string raw;
    int line_no = 0;
    while (std::getline(in, raw)) {
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            if (line.back() != ']') fail(origin, line_no, "a section header must end with ']'");
            section_name = std::string(trim(line.substr(1, line.size() - 2)));
            auto it = schema().find(section_name);
            if (it == schema().end())
                fail(origin, line_no,
                     "unknown section [" + section_name + "] (known: paths, network, hypervisor, vm, timeouts)");
            section = &it->second;
            continue;
        }
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) fail(origin, line_no, "expected 'key = value'");
        std::string key(trim(line.substr(0, eq)));
        std::string_view value = trim(line.substr(eq + 1));
        if (!section) fail(origin, line_no, "key '" + key + "' appears before any [section]");
        auto setter = section->find(key);
        if (setter == section->end())
            fail(origin, line_no, "unknown key '" + key + "' in section [" + section_name + "]");
        auto [prev, inserted] = seen.emplace(section_name + "." + key, line_no);
        if (!inserted)
            fail(origin, line_no, "duplicate key '" + key + "' (first set on line " + std::to_string(prev->second) + ")");
        try {
            setter->second(config, value);
        } catch (const BadValue& bad) {
            fail(origin, line_no, "bad value for '" + key + "': " + bad.why);
        }
    }

    // Limits that involve two keys are reported on the later of their lines.
    auto line_of = [&](const char* a, const char* b) {
        auto la = seen.count(a) ? seen[a] : 0;
        auto lb = seen.count(b) ? seen[b] : 0;
        return std::max(la, lb);
    };
    if (config.default_cpus > config.max_cpus)
        fail(origin, line_of("vm.default_cpus", "vm.max_cpus"),
             "default_cpus (" + std::to_string(config.default_cpus) + ") exceeds max_cpus (" +
                 std::to_string(config.max_cpus) + ")");
    if (config.default_memory_mb > config.max_memory_mb)
        fail(origin, line_of("vm.default_memory_mb", "vm.max_memory_mb"),
             "default_memory_mb (" + std::to_string(config.default_memory_mb) + ") exceeds max_memory_mb (" +
                 std::to_string(config.max_memory_mb) + ")");
    return config;
}

Config Config::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(Errc::InvalidArgument,
                    "Cannot read configuration file '" + file.string() + "': " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string());
}

}  // namespace minions
