// Named network namespaces compatible with `ip netns`: a file under
// /run/netns bind-mounted over a namespace, so other tools find it by name.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "net/net.hpp"
#include "net/netlink.hpp"

namespace minions::net {

using detail::throw_errno;

namespace {

constexpr const char* kNetnsDir = "/run/netns";

// Like `ip netns add`, /run/netns is made a shared mount so namespaces
// created later also appear in other mount namespaces.
void prepare_netns_dir(const std::string& doing) {
    if (::mkdir("/run", 0755) < 0 && errno != EEXIST) throw_errno(doing + ": creating /run", errno);
    if (::mkdir(kNetnsDir, 0755) < 0 && errno != EEXIST) throw_errno(doing + ": creating /run/netns", errno);
    if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL) throw_errno(doing + ": making /run/netns a shared mount", errno);
    // Not a mount point yet: make it one, then share it.
    if (::mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) < 0)
        throw_errno(doing + ": bind-mounting /run/netns", errno);
    if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) < 0)
        throw_errno(doing + ": making /run/netns a shared mount", errno);
}

void create_named_netns(const std::string& path, const std::string& doing) {
    prepare_netns_dir(doing);
    UniqueFd placeholder(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (placeholder.get() < 0) throw_errno(doing + ": creating " + path, errno);

    // Keep the old namespace so a failure leaves the caller where it was.
    UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (original.get() < 0) {
        int err = errno;
        ::unlink(path.c_str());
        throw_errno(doing + ": opening the current network namespace", err);
    }
    if (::unshare(CLONE_NEWNET) < 0) {
        int err = errno;
        ::unlink(path.c_str());
        throw_errno(doing + ": creating a network namespace", err);
    }
    if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) < 0) {
        int err = errno;
        ::setns(original.get(), CLONE_NEWNET);
        ::unlink(path.c_str());
        throw_errno(doing + ": bind-mounting the namespace on " + path, err);
    }
}

}  // namespace

void enter_netns(const std::string& name) {
    const std::string doing = "entering network namespace " + name;
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw Error(Errc::Internal, doing + ": invalid namespace name");
    const std::string path = std::string(kNetnsDir) + "/" + name;

    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.get() < 0) {
        if (errno != ENOENT) throw_errno(doing + ": opening " + path, errno);
        create_named_netns(path, doing);  // and we are now inside it
        return;
    }
    if (::setns(ns.get(), CLONE_NEWNET) < 0) throw_errno(doing, errno);
}

}  // namespace minions::net
