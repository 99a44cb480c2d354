// VM name validation (service/core/names.cpp): validate_name and
// is_valid_name agree, a valid name is what the rules say, and a copy's
// default name derived from a valid one is the source's first 6 characters
// plus "-copy".
#include <cctype>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/names.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const std::string name(reinterpret_cast<const char*>(data), size);
    bool thrown = false;
    try {
        validate_name(name);
    } catch (const Error& e) {
        if (e.code() != Errc::InvalidName) std::abort();
        thrown = true;
    }
    const bool valid = is_valid_name(name);
    if (valid == thrown) std::abort();
    if (!valid) return 0;
    if (name.empty() || name.size() > kMaxNameLength || name.front() == '-') std::abort();
    for (unsigned char c : name)
        if (!(std::isalnum(c) || c == '-') || c >= 0x80) std::abort();
    const std::string copy = copy_name_for(name);
    if (copy != name.substr(0, 6) + "-copy" || !is_valid_name(copy)) std::abort();
    return 0;
}
