// minionsd's configuration parser (service/core/config.cpp): any text is a
// configuration or an Error{InvalidArgument} naming its line; a parsed one
// keeps the limits the parser promises.
#include <cstdlib>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        Config config = Config::parse(text, "/etc/minions/minionsd.conf");
        if (config.default_cpus > config.max_cpus || config.default_memory_mb > config.max_memory_mb) std::abort();
        if (config.default_cpus == 0 || config.console_log_max_mb == 0) std::abort();
        if (!config.state_dir.is_absolute() || !config.run_dir.is_absolute()) std::abort();
    } catch (const Error& e) {
        if (e.code() != Errc::InvalidArgument) std::abort();
    }
    return 0;
}
