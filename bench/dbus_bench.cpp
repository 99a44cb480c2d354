// minions-dbus-bench: times one D-Bus method call on the system bus
// (DBUS_SYSTEM_BUS_ADDRESS), the same way whatever service answers it, so
// minionsd and libvirt-dbus are measured by identical client code.
//
//   minions-dbus-bench --dest org.minions.Manager --path /org/minions
//       --iface org.minions.Manager --method GetVm --arg s:vm5
//       --clients 4 --calls 2000 --warmup 100 --max-seconds 20 --label get
//
// Each client is a thread with its own bus connection and no event loop:
// every call is a blocking sd_bus_call (send, wait for the reply), so a
// client has one call in flight. --clients 1 is the sequential case. With
// several --path values, client i calls path[i % n] (calls that must not
// overlap on one object, such as Restart, get an object per client).
// --calls is the total over all clients; the run stops early, and says so,
// after --max-seconds. The reply is received whole but not deserialised.
//
// Output: one line of key=value pairs (label, clients, calls, errors,
// seconds, calls_per_s, p50_us, p90_us, p99_us, max_us, truncated), and the
// first error per name on stderr. Exit status 1 when any call failed.
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Arg {
    char type = 's';
    std::string value;
};

struct Options {
    std::string dest;
    std::vector<std::string> paths;
    std::string iface;
    std::string method;
    std::vector<Arg> args;
    unsigned clients = 1;
    unsigned calls = 1000;
    unsigned warmup = 50;  // per client, not timed
    double max_seconds = 30;
    std::chrono::microseconds timeout{std::chrono::seconds(60)};
    std::string label = "call";
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "minions-dbus-bench: " << why << "\n"
              << "usage: minions-dbus-bench --dest NAME --path PATH [--path PATH...] --iface IFACE --method METHOD\n"
                 "         [--arg s:TEXT|u:N|i:N|b:true|b:false|o:PATH ...] [--clients N] [--calls N]\n"
                 "         [--warmup N] [--max-seconds S] [--timeout-s S] [--label TEXT]\n";
    std::exit(2);
}

unsigned to_unsigned(const std::string& text, const std::string& flag) {
    try {
        size_t used = 0;
        unsigned long value = std::stoul(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        return static_cast<unsigned>(value);
    } catch (const std::exception&) {
        usage(flag + " wants a number, got '" + text + "'");
    }
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (i + 1 >= argc) usage(flag + " needs a value");
        std::string value = argv[++i];
        if (flag == "--dest") o.dest = value;
        else if (flag == "--path") o.paths.push_back(value);
        else if (flag == "--iface") o.iface = value;
        else if (flag == "--method") o.method = value;
        else if (flag == "--arg") {
            if (value.size() < 2 || value[1] != ':' || std::string("suibo").find(value[0]) == std::string::npos)
                usage("--arg wants TYPE:VALUE with TYPE one of s u i b o, got '" + value + "'");
            o.args.push_back({value[0], value.substr(2)});
        } else if (flag == "--clients") o.clients = to_unsigned(value, flag);
        else if (flag == "--calls") o.calls = to_unsigned(value, flag);
        else if (flag == "--warmup") o.warmup = to_unsigned(value, flag);
        else if (flag == "--max-seconds") o.max_seconds = to_unsigned(value, flag);
        else if (flag == "--timeout-s") o.timeout = std::chrono::seconds(to_unsigned(value, flag));
        else if (flag == "--label") o.label = value;
        else usage("unknown flag " + flag);
    }
    if (o.dest.empty() || o.paths.empty() || o.iface.empty() || o.method.empty())
        usage("--dest, --path, --iface and --method are required");
    if (o.clients == 0 || o.calls < o.clients) usage("need 1 <= --clients <= --calls");
    return o;
}

void append(sdbus::MethodCall& call, const Arg& arg) {
    switch (arg.type) {
        case 's': call << arg.value; break;
        case 'o': call << sdbus::ObjectPath(arg.value); break;
        case 'u': call << static_cast<uint32_t>(std::stoul(arg.value)); break;
        case 'i': call << static_cast<int32_t>(std::stol(arg.value)); break;
        case 'b':
            if (arg.value != "true" && arg.value != "false") usage("b: wants true or false");
            call << (arg.value == "true");
            break;
    }
}

struct Errors {
    std::mutex mutex;
    std::map<std::string, unsigned> count;

    void add(const sdbus::Error& e) {
        std::lock_guard lock(mutex);
        if (count[e.getName()]++ == 0) std::cerr << "error: " << e.getName() << ": " << e.getMessage() << "\n";
    }
    unsigned total() {
        std::lock_guard lock(mutex);
        unsigned n = 0;
        for (const auto& [name, c] : count) n += c;
        return n;
    }
};

double percentile_us(const std::vector<int64_t>& sorted_ns, double p) {
    if (sorted_ns.empty()) return 0;
    // Nearest rank.
    size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted_ns.size()) + 0.999999);
    rank = std::clamp<size_t>(rank, 1, sorted_ns.size());
    return static_cast<double>(sorted_ns[rank - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    Errors errors;
    std::vector<std::vector<int64_t>> latencies(o.clients);
    std::atomic<bool> deadline_hit{false};
    // Clients connect and warm up first; the clock starts when the last one
    // is ready (the completion step runs before any client is released).
    Clock::time_point start;
    Clock::time_point deadline;
    auto start_clock = [&]() noexcept {
        start = Clock::now();
        deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds));
    };
    std::barrier ready(static_cast<std::ptrdiff_t>(o.clients) + 1, start_clock);
    std::barrier done(static_cast<std::ptrdiff_t>(o.clients) + 1);

    std::vector<std::thread> threads;
    for (unsigned c = 0; c < o.clients; ++c) {
        threads.emplace_back([&, c] {
            std::unique_ptr<sdbus::IConnection> connection;
            std::unique_ptr<sdbus::IProxy> proxy;
            try {
                connection = sdbus::createSystemBusConnection();
                proxy = sdbus::createProxy(*connection, o.dest, o.paths[c % o.paths.size()]);
            } catch (const sdbus::Error& e) {
                errors.add(e);
            }
            auto once = [&]() -> bool {
                try {
                    auto call = proxy->createMethodCall(o.iface, o.method);
                    for (const auto& arg : o.args) append(call, arg);
                    proxy->callMethod(call, static_cast<uint64_t>(o.timeout.count()));
                    return true;
                } catch (const sdbus::Error& e) {
                    errors.add(e);
                    return false;
                }
            };
            if (proxy)
                for (unsigned i = 0; i < o.warmup; ++i) once();
            // This client's share of the calls.
            unsigned share = o.calls / o.clients + (c < o.calls % o.clients ? 1 : 0);
            auto& mine = latencies[c];
            mine.reserve(share);
            ready.arrive_and_wait();
            for (unsigned i = 0; proxy && i < share; ++i) {
                auto t0 = Clock::now();
                if (t0 > deadline) {
                    deadline_hit = true;
                    break;
                }
                bool ok = once();
                auto t1 = Clock::now();
                if (ok) mine.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
            }
            done.arrive_and_wait();
        });
    }
    ready.arrive_and_wait();
    done.arrive_and_wait();
    auto end = Clock::now();
    for (auto& t : threads) t.join();

    std::vector<int64_t> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    double seconds = std::chrono::duration<double>(end - start).count();
    unsigned failed = errors.total();
    std::printf("label=%s clients=%u calls=%zu errors=%u seconds=%.3f calls_per_s=%.1f "
                "p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f truncated=%d\n",
                o.label.c_str(), o.clients, all.size(), failed, seconds,
                seconds > 0 ? static_cast<double>(all.size()) / seconds : 0.0, percentile_us(all, 50),
                percentile_us(all, 90), percentile_us(all, 99), all.empty() ? 0.0 : all.back() / 1000.0,
                deadline_hit ? 1 : 0);
    return failed == 0 ? 0 : 1;
}
