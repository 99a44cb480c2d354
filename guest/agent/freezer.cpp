#include "freezer.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fields.hpp"
#include "mounts.hpp"
#include "record.hpp"
#include "core/unique_fd.hpp"

namespace minions::agent {

namespace {

// 0 or errno.
int fs_ioctl(const std::string& mount, unsigned long request) {
    UniqueFd fd(::open(mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno;
    return ::ioctl(fd.get(), request, 0) == 0 ? 0 : errno;
}

}  // namespace

Freezer::Freezer(const Context& ctx) : ctx_(ctx), thread_([this] { watchdog(); }) {}

Freezer::~Freezer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

nlohmann::json Freezer::freeze(std::chrono::milliseconds auto_thaw, const Call& call) {
    std::lock_guard lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() + auto_thaw;
    owner_ = call.id();
    if (!is_frozen_) {
        std::vector<std::string> done;
        for (const auto& mount : freezable_mounts()) {
            if (ctx_.confined()) {
                record(ctx_, "freeze.log", "freeze " + mount + "\n", true);
                done.push_back(mount);
                continue;
            }
            const int e = fs_ioctl(mount, FIFREEZE);
            // A filesystem without freeze support has nothing we can do; skip it.
            if (e == EOPNOTSUPP || e == ENOTTY) continue;
            if (e != 0) {
                frozen_ = done;
                thaw_locked("freeze failed");
                throw RequestError("cannot freeze '" + mount + "': " + std::strerror(e));
            }
            done.push_back(mount);
        }
        frozen_ = done;
        is_frozen_ = true;
    }
    // A cancel that came while this freeze was under way found no owner to thaw.
    if (call.cancelled()) {
        thaw_locked("cancelled");
        throw RequestError("cancelled while freezing");
    }
    wake_.notify_all();
    return {{"frozen", frozen_}, {"auto_thaw_ms", auto_thaw.count()}};
}

bool Freezer::cancel(uint64_t id) {
    std::lock_guard lock(mutex_);
    if (!is_frozen_ || owner_ != id) return false;
    thaw_locked("cancelled");
    return true;
}

nlohmann::json Freezer::thaw() {
    std::lock_guard lock(mutex_);
    return {{"thawed", thaw_locked("thaw")}};
}

std::vector<std::string> Freezer::thaw_locked(const std::string& reason) {
    std::vector<std::string> thawed;
    // Reverse order: the root, frozen first, is thawed last.
    for (auto it = frozen_.rbegin(); it != frozen_.rend(); ++it) {
        if (ctx_.confined()) {
            record(ctx_, "freeze.log", "thaw " + *it + " (" + reason + ")\n", true);
        } else if (int e = fs_ioctl(*it, FITHAW); e != 0 && e != EINVAL) {
            // EINVAL means "not frozen": someone thawed it already, which is fine.
            std::fprintf(stderr, "minions-agent: cannot thaw %s: %s\n", it->c_str(), std::strerror(e));
        }
        thawed.push_back(*it);
    }
    frozen_.clear();
    is_frozen_ = false;
    owner_.reset();
    return thawed;
}

void Freezer::watchdog() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (!is_frozen_) {
            wake_.wait(lock);
            continue;
        }
        if (wake_.wait_until(lock, deadline_) == std::cv_status::timeout && is_frozen_ &&
            std::chrono::steady_clock::now() >= deadline_) {
            std::fprintf(stderr, "minions-agent: host never thawed; thawing after the deadline\n");
            try {
                thaw_locked("auto-thaw");
            } catch (const std::exception& e) {
                std::fprintf(stderr, "minions-agent: auto-thaw: %s\n", e.what());
            }
        }
    }
}

}  // namespace minions::agent
