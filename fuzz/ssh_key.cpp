// SSH public key checks: the service's validate_ssh_key (every key a client
// sends with create or copy) and the CLI's read_ssh_public_key (the line it
// sends from a key file). An accepted key is accepted again unchanged; the
// CLI reads the input from a file in /dev/shm.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/ssh_key.hpp"
#include "core/error.hpp"
#include "lifecycle/ssh_key.hpp"

namespace {

// Never freed: the atexit handler that removes it runs after static destructors.
const std::string& key_file() {
    static const std::string* const path = [] {
        auto* templ = new std::string((std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") +
                                      std::string("/minions-fuzz-key-XXXXXX"));
        const int fd = ::mkstemp(templ->data());
        if (fd < 0) std::abort();
        ::close(fd);
        std::atexit([] { ::unlink(key_file().c_str()); });
        return templ;
    }();
    return *path;
}

void validate_twice(const std::string& key) {
    using namespace minions;
    try {
        const std::string accepted = lifecycle::validate_ssh_key(key);
        if (lifecycle::validate_ssh_key(accepted) != accepted) std::abort();
    } catch (const Error& e) {
        if (e.code() != Errc::InvalidArgument) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const std::string text(reinterpret_cast<const char*>(data), size);
    validate_twice(text);
    {
        std::ofstream out(key_file(), std::ios::binary | std::ios::trunc);
        out << text;
    }
    try {
        validate_twice(cli::read_ssh_public_key(key_file()));
    } catch (const Error& e) {
        if (e.code() != Errc::InvalidArgument) std::abort();
    }
    return 0;
}
