#include "names.hpp"

#include "error.hpp"

namespace minions {
namespace {

bool allowed_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// The reason `name` breaks the rules, or an empty string when it is valid.
// Checked in the order a user would fix them: length, characters, position.
std::string problem_with(std::string_view name) {
    if (name.empty()) return "a VM name must not be empty";
    for (char c : name)
        if (!allowed_char(c)) return "only letters, digits and '-' are allowed";
    if (name.size() > kMaxNameLength)
        return "at most " + std::to_string(kMaxNameLength) +
               " characters are allowed (the TAP device 'tap-<name>' must fit in 15), got " +
               std::to_string(name.size());
    if (name.front() == '-') return "a VM name must not start with '-'";
    return {};
}

}  // namespace

void validate_name(std::string_view name) {
    std::string problem = problem_with(name);
    if (!problem.empty())
        throw Error(Errc::InvalidName, "Invalid VM name '" + std::string(name) + "': " + problem);
}

bool is_valid_name(std::string_view name) noexcept {
    try {
        return problem_with(name).empty();
    } catch (...) {  // only std::bad_alloc is possible
        return false;
    }
}

std::string copy_name_for(std::string_view source_name) {
    // The source is an existing VM, so its name is valid and does not start
    // with '-': the prefix keeps a valid first character. A prefix ending in
    // '-' yields "--copy", which the rules allow (only a leading '-' is
    // forbidden), so the seed's plain rule is kept as written. Nothing is
    // checked here: callers validate the result like any requested name.
    std::string name(source_name.substr(0, 6));
    name += "-copy";
    return name;
}

}  // namespace minions
