#include "log.hpp"

#include <cstdio>
#include <mutex>
#include <string>

#include <systemd/sd-daemon.h>

namespace minions {
namespace {

void emit(const char* prefix, std::string_view message) {
    static std::mutex mutex;
    std::string line = std::string(prefix) + std::string(message) + "\n";
    std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

void log_error(std::string_view message) { emit(SD_ERR, message); }
void log_warning(std::string_view message) { emit(SD_WARNING, message); }
void log_info(std::string_view message) { emit(SD_INFO, message); }

}  // namespace minions
