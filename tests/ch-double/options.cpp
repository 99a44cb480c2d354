#include "options.hpp"

#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cstring>

#include <map>
#include <set>

namespace ch_double {
namespace {

[[noreturn]] void usage(const std::string& message) { throw UsageError{"error: " + message}; }

// "a=1,b=2" -> {a:1, b:2}. A bare word without '=' is kept under "".
std::map<std::string, std::string> split_params(const std::string& flag, const std::string& value,
                                                const std::set<std::string>& known) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto eq = item.find('=');
        std::string key = eq == std::string::npos ? "" : item.substr(0, eq);
        std::string val = eq == std::string::npos ? item : item.substr(eq + 1);
        if (!key.empty() && !known.count(key))
            usage("invalid value '" + value + "' for '" + flag + "': unknown parameter '" + key + "'");
        out[key] = val;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

uint64_t parse_size(const std::string& flag, const std::string& text) {
    if (text.empty()) usage("invalid size for '" + flag + "'");
    uint64_t unit = 1;
    std::string digits = text;
    switch (text.back()) {
        case 'K': unit = 1ull << 10; digits.pop_back(); break;
        case 'M': unit = 1ull << 20; digits.pop_back(); break;
        case 'G': unit = 1ull << 30; digits.pop_back(); break;
        default: break;
    }
    try {
        std::size_t used = 0;
        uint64_t n = std::stoull(digits, &used);
        if (used != digits.size() || n == 0) throw std::invalid_argument("size");
        return n * unit;
    } catch (const std::exception&) {
        usage("invalid size '" + text + "' for '" + flag + "'");
    }
}

// The device a TAP queue descriptor is bound to; "" if it is none.
std::string tap_name_of_fd(int fd) {
    ifreq ifr{};
    if (::ioctl(fd, TUNGETIFF, &ifr) < 0 || (ifr.ifr_flags & IFF_TAP) == 0) return "";
    return std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
}

uint32_t parse_u32(const std::string& flag, const std::string& text) {
    try {
        std::size_t used = 0;
        unsigned long n = std::stoul(text, &used);
        if (used != text.size() || n > 0xffffffffUL) throw std::invalid_argument("u32");
        return static_cast<uint32_t>(n);
    } catch (const std::exception&) {
        usage("invalid number '" + text + "' for '" + flag + "'");
    }
}

void apply(Options& o, const std::string& flag, const std::string& value) {
    if (flag == "--api-socket") {
        auto p = split_params(flag, value, {"path", "fd"});
        o.api_socket = p.count("path") ? p["path"] : p[""];
        if (o.api_socket.empty()) usage("'--api-socket' needs path=<socket>");
    } else if (flag == "--kernel") {
        o.kernel = value;
    } else if (flag == "--initramfs") {
        o.initramfs = value;
    } else if (flag == "--cmdline") {
        o.cmdline = value;
    } else if (flag == "--disk") {
        auto p = split_params(flag, value, {"path", "readonly", "direct", "iommu", "num_queues", "queue_size", "id"});
        if (!p.count("path")) usage("'--disk' needs path=<file>");
        o.disks.emplace_back(p["path"]);
    } else if (flag == "--cpus") {
        auto p = split_params(flag, value, {"boot", "max"});
        if (p.count("boot")) o.boot_vcpus = parse_u32(flag, p["boot"]);
    } else if (flag == "--memory") {
        auto p = split_params(flag, value, {"size", "shared", "hugepages"});
        if (p.count("size")) o.memory_bytes = parse_size(flag, p["size"]);
    } else if (flag == "--net") {
        auto p = split_params(flag, value, {"tap", "fd", "mac", "ip", "mask", "num_queues", "queue_size", "id"});
        if (p.count("tap") && p.count("fd")) usage("'--net' takes tap=<name> or fd=<fd>, not both");
        if (o.nets.empty()) {
            o.net_tap = p["tap"];
            o.net_mac = p["mac"];
            // A TAP handed open, as Cloud Hypervisor takes it: it must be a
            // TAP queue (/dev/net/tun bound to a device).
            if (p.count("fd")) {
                int fd = static_cast<int>(parse_u32(flag, p["fd"]));
                o.net_tap = tap_name_of_fd(fd);
                if (o.net_tap.empty()) usage("'--net' fd=" + p["fd"] + " is not an open TAP device");
                o.net_fd = fd;
            }
        }
        o.nets.push_back(value);
    } else if (flag == "--vsock") {
        auto p = split_params(flag, value, {"cid", "socket", "iommu", "id"});
        if (!p.count("cid") || !p.count("socket")) usage("'--vsock' needs cid=<cid>,socket=<path>");
        o.vsock_cid = parse_u32(flag, p["cid"]);
        if (*o.vsock_cid < 3) usage("'--vsock' cid must be 3 or more");
        o.vsock_socket = p["socket"];
    } else if (flag == "--serial" || flag == "--console") {
        auto p = split_params(flag, value, {"file", "socket", "iommu"});
        std::string mode = p.count("file") ? "file" : p[""];
        if (mode != "file" && mode != "off" && mode != "null" && mode != "tty" && mode != "pty")
            usage("invalid value '" + value + "' for '" + flag + "'");
        if (flag == "--serial") {
            o.serial_mode = mode;
            o.serial_file = p["file"];
        } else {
            o.console_mode = mode;
        }
    } else if (flag == "--x-agent-socket") {
        o.agent_socket = value;
    } else {
        usage("unexpected argument '" + flag + "' found");
    }
}

}  // namespace

Options parse_options(const std::vector<std::string>& args) {
    Options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        auto eq = flag.find('=');
        if (flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        } else if (flag.rfind("--", 0) == 0) {
            if (i + 1 >= args.size()) usage("a value is required for '" + flag + "' but none was supplied");
            value = args[++i];
        } else {
            usage("unexpected argument '" + flag + "' found");
        }
        apply(o, flag, value);
    }
    if (o.api_socket.empty()) usage("the double needs --api-socket");
    return o;
}

}  // namespace ch_double
