// configure_network: address/prefix on an interface, default route, DNS, saved
// for the next boot (saved_config.hpp). Uses the classic SIOCS* ioctls (no `ip`
// binary in the guest, no libnl in a static binary); IPv4 only, as the host
// hands out IPv4 leases.
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "fields.hpp"
#include "core/unique_fd.hpp"
#include "ops.hpp"
#include "record.hpp"
#include "saved_config.hpp"
#include "write_file.hpp"

namespace minions::agent {

namespace {

struct Network {
    std::string interface;
    in_addr address{};
    unsigned prefix = 0;
    std::optional<in_addr> gateway;
    std::vector<std::string> dns;
};

in_addr parse_ipv4(const std::string& text, const char* field) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) {
        throw RequestError(std::string("field '") + field + "': '" + text + "' is not an IPv4 address");
    }
    return a;
}

Network parse(const nlohmann::json& req) {
    Network n;
    n.interface = optional_string(req, "interface").value_or("eth0");
    if (n.interface.empty() || n.interface.size() >= IFNAMSIZ || n.interface.find('/') != std::string::npos) {
        throw RequestError("invalid interface name '" + n.interface + "'");
    }
    n.address = parse_ipv4(required_string(req, "address"), "address");
    n.prefix = static_cast<unsigned>(optional_uint(req, "prefix", 24, 32));
    if (auto gw = optional_string(req, "gateway"); gw && !gw->empty()) n.gateway = parse_ipv4(*gw, "gateway");
    n.dns = optional_strings(req, "dns");
    for (const auto& server : n.dns) {
        unsigned char buf[sizeof(in6_addr)];
        if (inet_pton(AF_INET, server.c_str(), buf) != 1 && inet_pton(AF_INET6, server.c_str(), buf) != 1) {
            throw RequestError("field 'dns': '" + server + "' is not an IP address");
        }
    }
    return n;
}

std::string resolv_conf(const Network& n) {
    std::string text = "# written by minions-agent\n";
    for (const auto& server : n.dns) text += "nameserver " + server + "\n";
    return text;
}

sockaddr to_sockaddr(in_addr a) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr = a;
    sockaddr out{};
    std::memcpy(&out, &sin, sizeof sin);
    return out;
}


void set_up(int sock, const std::string& name) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) throw_errno("interface '" + name + "'");
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) throw_errno("cannot bring up '" + name + "'");
}

void apply(const Network& n) {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) throw_errno("socket");

    ifreq ifr{};
    std::strncpy(ifr.ifr_name, n.interface.c_str(), IFNAMSIZ - 1);
    ifr.ifr_addr = to_sockaddr(n.address);
    if (ioctl(sock.get(), SIOCSIFADDR, &ifr) != 0) throw_errno("cannot set address on '" + n.interface + "'");
    in_addr mask{};
    mask.s_addr = htonl(n.prefix == 0 ? 0 : ~uint32_t{0} << (32 - n.prefix));
    ifr.ifr_netmask = to_sockaddr(mask);
    if (ioctl(sock.get(), SIOCSIFNETMASK, &ifr) != 0) throw_errno("cannot set netmask on '" + n.interface + "'");
    set_up(sock.get(), n.interface);
    try {
        set_up(sock.get(), "lo");
    } catch (const RequestError&) {
        // A guest without loopback still gets its network; nothing to fix here.
    }

    if (n.gateway) {
        rtentry route{};
        route.rt_dst = to_sockaddr(in_addr{});
        route.rt_genmask = to_sockaddr(in_addr{});
        route.rt_gateway = to_sockaddr(*n.gateway);
        route.rt_flags = RTF_UP | RTF_GATEWAY;
        std::string dev = n.interface;
        route.rt_dev = dev.data();
        // Replace any earlier default route (e.g. from a previous configure).
        ioctl(sock.get(), SIOCDELRT, &route);
        if (ioctl(sock.get(), SIOCADDRT, &route) != 0 && errno != EEXIST) throw_errno("cannot add default route");
    }

    if (!n.dns.empty()) {
        // /etc/resolv.conf may be a dangling symlink in minimal images: replace it.
        const char* tmp = "/etc/.resolv.conf.minions";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << resolv_conf(n);
            if (!out.flush()) throw RequestError("cannot write /etc/resolv.conf");
        }
        if (::rename(tmp, "/etc/resolv.conf") != 0) throw_errno("cannot replace /etc/resolv.conf");
    }
}

}  // namespace

std::string interface_mac(const std::string& interface) {
    std::ifstream in("/sys/class/net/" + interface + "/address");
    std::string mac;
    std::getline(in, mac);
    return mac;
}

nlohmann::json apply_network(const nlohmann::json& req, Context& ctx) {
    const Network n = parse(req);
    char address[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &n.address, address, sizeof address);
    nlohmann::json applied = {{"interface", n.interface}, {"address", address}, {"prefix", n.prefix},
                              {"dns", n.dns}};
    if (n.gateway) {
        char gw[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &*n.gateway, gw, sizeof gw);
        applied["gateway"] = gw;
    }
    if (ctx.confined()) {
        record(ctx, "network.json", applied.dump(2) + "\n");
        record(ctx, "resolv.conf", resolv_conf(n));
    } else {
        apply(n);
    }
    return applied;
}

nlohmann::json op_configure_network(const nlohmann::json& req, Context& ctx) {
    const nlohmann::json applied = apply_network(req, ctx);
    nlohmann::json saved = applied;
    // Ties the settings to this VM: a copy of the disk boots with another MAC.
    if (!ctx.confined()) saved["mac"] = interface_mac(applied["interface"].get<std::string>());
    write_under_root(ctx, kSavedNetwork, saved.dump(2) + "\n", 0644, false);
    return {{"applied", applied}};
}

}  // namespace minions::agent
